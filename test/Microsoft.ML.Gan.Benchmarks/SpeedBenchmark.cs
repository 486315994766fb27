using System.Diagnostics;
using System.Text;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>
/// Training speed of the default MNIST setup (100 labels, 60,000 unlabeled rows): seconds per epoch, the dense layers'
/// arithmetic per epoch divided by that time (GFLOP/s), and, measured in the same process with the same threads,
/// libtorch's matrix multiply at the MLP's largest shape (before and after training, as a shared VM drifts) and at
/// 4096^3, so the ratio holds on any machine; and where the time of a step goes (<see cref="GanTrainingProgress.PhaseSeconds"/>).
/// "Option=value" arguments change trainer options (see <see cref="OptionOverrides"/>) and name the report after them.
/// </summary>
internal static class SpeedBenchmark
{
    public static void Run(int epochs, int threads, string[] overrides, string outputDirectory)
    {
        var ml = new MLContext(1);
        var (train, _) = MnistDataset.Load(ml, Repository.DataDirectory);
        var labeled = ml.Data.KeepLabelsPerClass(train, 10, 1);
        var data = ml.Transforms.Conversion.MapValueToKey("Label").Fit(labeled).Transform(labeled);
        var options = new SemiSupervisedGanTrainer.Options { MaxEpoch = epochs, Seed = 1, NumberOfThreads = threads };
        OptionOverrides.Apply(options, overrides);
        set_num_threads(threads);
        double mlpShapeBefore = MatmulGflops(100, 784, 1000, 3000);
        var seconds = new List<double>();
        var reports = new List<GanTrainingProgress>();
        options.Progress = new SynchronousProgress(p =>
        {
            seconds.Add(p.EpochSeconds);
            reports.Add(p);
            Console.WriteLine($"epoch {p.Epoch}: {p.EpochSeconds:F1} s");
        });
        ml.Gan.SemiSupervised(options).Fit(data).Dispose();
        double peak = ResidentMemory.PeakMiB;

        double flopPerEpoch = FlopPerStep(options, 784) * 600;
        var steady = seconds.Count > 1 ? seconds.Skip(1).ToList() : seconds;
        double meanSeconds = steady.Average();
        double achieved = flopPerEpoch / meanSeconds / 1e9;
        double mlpShapeAfter = MatmulGflops(100, 784, 1000, 3000);
        double mlpShape = (mlpShapeBefore + mlpShapeAfter) / 2;
        double square = MatmulGflops(4096, 4096, 4096, 4);

        var table = new StringBuilder();
        table.AppendLine("| measure | value |");
        table.AppendLine("|---|---:|");
        table.AppendLine($"| seconds per epoch (mean of epochs {(seconds.Count > 1 ? 2 : 1)}-{seconds.Count}) | {meanSeconds:F1} |");
        table.AppendLine($"| seconds of each epoch | {string.Join(", ", seconds.Select(s => s.ToString("F1")))} |");
        table.AppendLine($"| dense-layer arithmetic per epoch (TFLOP) | {flopPerEpoch / 1e12:F2} |");
        table.AppendLine($"| achieved (GFLOP/s) | {achieved:F0} |");
        table.AppendLine($"| matmul 100x784 by 784x1000, same run, before / after training (GFLOP/s) | {mlpShapeBefore:F0} / {mlpShapeAfter:F0} |");
        table.AppendLine($"| matmul 4096^3, same run (GFLOP/s) | {square:F0} |");
        table.AppendLine($"| achieved / matmul at the MLP's shape (mean of before and after) | {achieved / mlpShape:P0} |");
        table.AppendLine($"| arithmetic floor at the MLP-shape matmul rate (s per epoch) | {flopPerEpoch / (mlpShape * 1e9):F1} |");
        table.AppendLine($"| peak resident memory (MiB) | {peak:F0} |");
        table.AppendLine();
        table.AppendLine($"Where a step's time goes (GanTrainingProgress.PhaseSeconds, mean of the same epochs):");
        table.AppendLine();
        table.AppendLine("| phase | ms per step | share |");
        table.AppendLine("|---|---:|---:|");
        var measured = reports.Count > 1 ? reports.Skip(1).ToList() : reports;
        double stepsMeasured = measured.Sum(p => p.StepsPerEpoch);
        double phaseTotal = measured.Sum(p => p.PhaseSeconds.Values.Sum());
        foreach (var phase in Enum.GetValues<GanTrainingPhase>())
        {
            double phaseSeconds = measured.Sum(p => p.PhaseSeconds[phase]);
            table.AppendLine($"| {phase} | {phaseSeconds / stepsMeasured * 1e3:F2} | {phaseSeconds / phaseTotal:P0} |");
        }
        table.AppendLine($"| all phases | {phaseTotal / stepsMeasured * 1e3:F2} | |");
        Console.WriteLine(table);

        string report = $"""
            # Training speed, MNIST with 100 labels

            Command: `dotnet run -c Release --project test/Microsoft.ML.Gan.Benchmarks -- speed {epochs} {threads}{string.Concat(overrides.Select(o => " " + o))}`
            Machine: {Environment.ProcessorCount} cores, {threads} torch threads, {Environment.OSVersion}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.
            Setup: default options{(overrides.Length > 0 ? " and " + string.Join(", ", overrides) : "")} (600 steps per epoch of 100 labeled + 100 unlabeled + 100 generated rows, plus the generator step).
            The arithmetic counts the dense layers' multiply-adds (forward, weight and input gradients where autograd computes them),
            not weight normalisation, noise or the optimiser.

            {table}
            """;
        string path = Path.Combine(outputDirectory, $"speed{OptionOverrides.Suffix(overrides)}.md");
        File.WriteAllText(path, report);
        Console.WriteLine($"Wrote {path}");
    }

    /// <summary>
    /// Floating-point operations of the dense layers in one step: the discriminator step (forward over labeled,
    /// unlabeled and generated rows, weight gradients, input gradients except the first layer's, and the generator's
    /// forward pass for the generated rows) and the generator step (the discriminator's features of the real and the
    /// generated rows, input gradients through the features, and the generator's forward and backward passes).
    /// </summary>
    internal static double FlopPerStep(SemiSupervisedGanTrainer.Options options, int features, int classes = 10)
    {
        int[] discriminator = [features, .. options.DiscriminatorHiddenSizes, classes];
        int[] generator = [options.NoiseSize, .. options.GeneratorHiddenSizes, features];
        static double Sum(int[] widths, int from, int to)
        {
            double sum = 0;
            for (int i = from; i < to; i++)
                sum += (double)widths[i] * widths[i + 1];
            return sum;
        }
        double all = Sum(discriminator, 0, discriminator.Length - 1);
        double allButFirst = Sum(discriminator, 1, discriminator.Length - 1);
        double hidden = Sum(discriminator, 0, discriminator.Length - 2);
        double gen = Sum(generator, 0, generator.Length - 1);
        double genButFirst = Sum(generator, 1, generator.Length - 1);
        double b = options.BatchSize;
        double discriminatorStep = 2 * 3 * b * (2 * all + allButFirst) + 2 * b * gen;
        double generatorStep = 2 * b * (3 * hidden + 2 * gen + genButFirst);
        return discriminatorStep + generatorStep;
    }

    /// <summary>The best of three timings of <paramref name="repetitions"/> products of an m x k by a k x n random matrix, in GFLOP/s, on the current torch threads.</summary>
    internal static double MatmulGflops(int m, int k, int n, int repetitions)
    {
        using var a = rand(m, k);
        using var b = rand(k, n);
        for (int i = 0; i < 3; i++)
            a.matmul(b).Dispose();
        double best = double.MaxValue;
        for (int trial = 0; trial < 3; trial++)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < repetitions; i++)
                a.matmul(b).Dispose();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return 2.0 * m * k * n * repetitions / best / 1e9;
    }
}
