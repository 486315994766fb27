using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.ML.Gan.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>
/// Training speed of the default MNIST setup (100 labels, 60,000 unlabeled rows): seconds per epoch, the dense layers'
/// arithmetic per epoch divided by that time (GFLOP/s), and, measured in the same process with the same threads,
/// libtorch's matrix multiply at the MLP's largest shape (before and after training, as a shared VM drifts) and at
/// 4096^3, so the ratio holds on any machine; the same multiplies with MKL's fast path on AMD switched the other way
/// (in a child process, before and after training); every product of a step at its own shape and type, replayed alone
/// (<see cref="StepProducts"/>, the floor the rest of a step adds to); and where the time of a step goes (<see cref="GanTrainingProgress.PhaseSeconds"/>).
/// "Option=value" arguments change trainer options (see <see cref="OptionOverrides"/>) and name the report after them.
/// Threads "free" (null) trains with the library's default, which follows the cores other processes leave free; the
/// matrix multiplies then use all cores.
/// </summary>
internal static class SpeedBenchmark
{
    /// <summary>A thread count, or "free" for null (the library's default).</summary>
    public static int? ParseThreads(string argument) => argument == "free" ? null : int.Parse(argument, CultureInfo.InvariantCulture);

    public static void Run(int epochs, int? followedThreads, string[] overrides, string outputDirectory)
    {
        int threads = followedThreads ?? Environment.ProcessorCount;
        var ml = new MLContext(1);
        ml.Log += (_, e) =>
        {
            if (e.Message.Contains("torch thread", StringComparison.Ordinal))
                Console.WriteLine(e.Message);
        };
        var (train, _) = MnistDataset.Load(ml, Repository.DataDirectory);
        var labeled = ml.Data.KeepLabelsPerClass(train, 10, 1);
        var data = ml.Transforms.Conversion.MapValueToKey("Label").Fit(labeled).Transform(labeled);
        var options = new SemiSupervisedGanTrainer.Options { MaxEpoch = epochs, Seed = 1, NumberOfThreads = followedThreads };
        OptionOverrides.Apply(options, overrides);
        set_num_threads(threads);
        string mklPath = MatmulRate.ThisProcess();
        Console.WriteLine($"MKL fast path on AMD: {mklPath}");
        double mlpShapeBefore = MatmulRate.MlpShape();
        bool bfloat16 = BFloat16Support.Resolve(options.MatrixMultiplyPrecision, DeviceType.CPU) == MatrixMultiplyPrecision.BFloat16;
        double? bfloat16Before = bfloat16 ? MatmulRate.MlpShape(ScalarType.BFloat16) : null;
        var otherBefore = MatmulRate.OtherPath(threads, square: false);
        using var products = new StepProducts(options, 784, 10, bfloat16);
        if (Math.Abs(products.Flop - FlopPerStep(options, 784)) > 1)
            throw new InvalidOperationException($"The replayed products count {products.Flop} FLOP per step, FlopPerStep {FlopPerStep(options, 784)}.");
        double productsBefore = products.Milliseconds(50);
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
        int threadsAtTheEnd = get_num_threads();
        set_num_threads(threads);

        double flopPerEpoch = FlopPerStep(options, 784) * 600;
        var steady = seconds.Count > 1 ? seconds.Skip(1).ToList() : seconds;
        double meanSeconds = steady.Average();
        double achieved = flopPerEpoch / meanSeconds / 1e9;
        double mlpShapeAfter = MatmulRate.MlpShape();
        double? bfloat16After = bfloat16 ? MatmulRate.MlpShape(ScalarType.BFloat16) : null;
        // The training's own products: float32, or bfloat16 with MatrixMultiplyPrecision.BFloat16.
        double mlpShape = bfloat16 ? (bfloat16Before!.Value + bfloat16After!.Value) / 2 : (mlpShapeBefore + mlpShapeAfter) / 2;
        double productsAfter = products.Milliseconds(50);
        double productsSeconds = (productsBefore + productsAfter) / 2 * 600 / 1e3;
        double square = MatmulRate.Square();
        var otherAfter = MatmulRate.OtherPath(threads, square: true);

        var table = new StringBuilder();
        table.AppendLine("| measure | value |");
        table.AppendLine("|---|---:|");
        table.AppendLine($"| seconds per epoch (mean of epochs {(seconds.Count > 1 ? 2 : 1)}-{seconds.Count}) | {meanSeconds:F1} |");
        table.AppendLine($"| seconds of each epoch | {string.Join(", ", seconds.Select(s => s.ToString("F1")))} |");
        table.AppendLine($"| dense-layer arithmetic per epoch (TFLOP) | {flopPerEpoch / 1e12:F2} |");
        table.AppendLine($"| achieved (GFLOP/s) | {achieved:F0} |");
        table.AppendLine($"| matmul 100x784 by 784x1000, same run, before / after training (GFLOP/s) | {mlpShapeBefore:F0} / {mlpShapeAfter:F0} |");
        if (bfloat16)
            table.AppendLine($"| the same matmul in bfloat16, as the training multiplies, before / after training (GFLOP/s) | {bfloat16Before:F0} / {bfloat16After:F0} |");
        table.AppendLine($"| matmul 4096^3, same run (GFLOP/s) | {square:F0} |");
        table.AppendLine($"| MKL fast path on AMD and MKL's code branch in this run | {mklPath} |");
        if (otherBefore is { } before && otherAfter is { } after)
        {
            table.AppendLine($"| matmul 100x784 by 784x1000, child process with the fast path switched ({after.Path}), before / after training (GFLOP/s) | {before.MlpShape:F0} / {after.MlpShape:F0} |");
            table.AppendLine($"| matmul 4096^3, same child process, after training (GFLOP/s) | {after.Square:F0} |");
        }
        else
            table.AppendLine("| matmul with the fast path switched | not applicable: not an AMD CPU on x86-64 Linux |");
        string precision = bfloat16 ? "bfloat16" : "float32";
        table.AppendLine($"| achieved / {precision} matmul at the MLP's shape (mean of before and after) | {achieved / mlpShape:P0} |");
        table.AppendLine($"| arithmetic floor at the {precision} MLP-shape matmul rate (s per epoch) | {flopPerEpoch / (mlpShape * 1e9):F1} |");
        table.AppendLine($"| the step's own products replayed alone (StepProducts), before / after training (ms per step) | {productsBefore:F2} / {productsAfter:F2} |");
        table.AppendLine($"| floor of the step's own products (s per epoch, mean of before and after) | {productsSeconds:F1} |");
        table.AppendLine($"| that floor / seconds per epoch | {productsSeconds / meanSeconds:P0} |");
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

            Command: `dotnet run -c Release --project test/Microsoft.ML.Gan.Benchmarks -- speed {epochs} {(followedThreads is null ? "free" : threads)}{string.Concat(overrides.Select(o => " " + o))}`
            Machine: {Environment.ProcessorCount} cores, {(followedThreads is null ? $"torch threads following the free cores ({threadsAtTheEnd} at the end of training)" : $"{threads} torch threads")}, {Environment.OSVersion}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.
            Setup: default options{(overrides.Length > 0 ? " and " + string.Join(", ", overrides) : "")} (600 steps per epoch of 100 labeled + 100 unlabeled + 100 generated rows, plus the generator step).
            The arithmetic counts the dense layers' multiply-adds (forward, weight and input gradients where autograd computes them),
            not weight normalisation, noise or the optimiser.

            {table}
            """;
        string path = Path.Combine(outputDirectory, $"speed{(followedThreads is null ? "-free-threads" : threads == 2 ? "" : $"-{threads}-threads")}{OptionOverrides.Suffix(overrides)}.md");
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
}
