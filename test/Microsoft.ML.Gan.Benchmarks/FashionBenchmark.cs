using System.Diagnostics;
using System.Text;
using Microsoft.ML.Trainers;

namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>
/// Fashion-MNIST with 100 and 1,000 labels (10 and 100 per class, KeepLabelsPerClass with the run's seed), the training
/// images as unlabeled data: test error on the 10,000 test images of the GAN with the MLP and with the convolutional
/// architecture, and of ML.NET supervised trainers fit on the same labeled rows only; per seed and mean ± std, with
/// the wall seconds of each run (training and evaluation).
/// </summary>
internal static class FashionBenchmark
{
    /// <summary>Where the Debian package dataset-fashion-mnist puts the IDX .gz files.</summary>
    public const string PackageDirectory = "/usr/share/datasets/fashion-mnist";

    private static readonly int[] LabelsPerClass = [10, 100];

    /// <summary>
    /// Runs the parts named in <paramref name="parts"/> in the order given ("mlp", "conv": the GAN; "lbfgs", "sdca": the
    /// ML.NET trainers), each for the labels per class after a colon (e.g. "conv:10+100"; default both). The report is
    /// rewritten after every line, so a stopped run keeps what it finished.
    /// </summary>
    public static void Run(int mlpEpochs, int convEpochs, int convWidth, int rows, int seeds, string parts, int threads, string reportName,
        string dataDirectory, string outputDirectory)
    {
        var ml = new MLContext(1);
        var fullTrain = ml.Data.LoadFromIdx(Idx(dataDirectory, "train-images-idx3-ubyte.gz"), Idx(dataDirectory, "train-labels-idx1-ubyte.gz"));
        var test = ml.Data.LoadFromIdx(Idx(dataDirectory, "t10k-images-idx3-ubyte.gz"), Idx(dataDirectory, "t10k-labels-idx1-ubyte.gz"));
        var train = rows < 60_000 ? ml.Data.TakeRows(fullTrain, rows) : fullTrain;
        var report = new StringBuilder();
        var clock = Stopwatch.StartNew();
        string arguments = $"{mlpEpochs} {convEpochs} {convWidth} {rows} {seeds} {parts} {threads} {reportName} {dataDirectory}";
        string setup = $"GAN: MLP {mlpEpochs} epoch(s), convolutional (ConvolutionalWidth {convWidth}) {convEpochs} epoch(s), over {rows:N0} training rows; "
            + $"seeds 1-{seeds}; {threads} torch thread(s) per run";
        string path = Path.Combine(outputDirectory, reportName);
        Console.WriteLine($"Fashion-MNIST: {setup}");

        void Add(string line)
        {
            Console.WriteLine(line);
            report.AppendLine(line);
            File.WriteAllText(path, $"""
                # Fashion-MNIST with 100 and 1,000 labels: the semi-supervised GAN against ML.NET trainers

                Command: `dotnet run -c Release --project test/Microsoft.ML.Gan.Benchmarks -- fashion {arguments}`
                Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {clock.Elapsed.TotalMinutes:F0} minutes so far.
                Budget: {setup}. ML.NET trainers: default options, {threads} thread(s), fit on the labeled rows only.
                Data: the first {rows:N0} of the 60,000 training images ({dataDirectory}) as unlabeled data, of which KeepLabelsPerClass
                keeps 10 or 100 labels per class (its seed is the run's seed, which also seeds the GAN's weights; an ML.NET trainer with
                the same seed gets the same labeled rows). Test error on the 10,000 test images; std is the sample standard deviation
                over the seeds. Seconds: wall time of one run (training and the test evaluation), mean over the seeds.

                {report}
                """);
        }

        Add("| method | labels | test error (%), mean ± std | per seed (%) | seconds per run |");
        Add("|---|---:|---:|---|---:|");
        foreach (var part in BenchmarkPart.ParseList(parts))
        {
            Func<IDataView, int, double> run = part.Name switch
            {
                "mlp" => (labeled, seed) => GanError(ml, labeled, test, new SemiSupervisedGanTrainer.Options
                {
                    MaxEpoch = mlpEpochs, Seed = seed, NumberOfThreads = threads, Architecture = GanArchitecture.Mlp,
                }),
                "conv" => (labeled, seed) => GanError(ml, labeled, test, new SemiSupervisedGanTrainer.Options
                {
                    MaxEpoch = convEpochs, Seed = seed, NumberOfThreads = threads, Architecture = GanArchitecture.Convolutional, ConvolutionalWidth = convWidth,
                }),
                "lbfgs" => (labeled, _) => SupervisedError(ml, labeled, test,
                    ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options { NumberOfThreads = threads })),
                "sdca" => (labeled, _) => SupervisedError(ml, labeled, test,
                    ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(new SdcaMaximumEntropyMulticlassTrainer.Options { NumberOfThreads = threads })),
                _ => throw new ArgumentException($"Unknown part '{part.Name}'; use 'mlp', 'conv', 'lbfgs' or 'sdca'.", nameof(parts)),
            };
            foreach (int perClass in part.Selection ?? LabelsPerClass)
            {
                var runs = new List<(double Error, double Seconds)>();
                for (int seed = 1; seed <= seeds; seed++)
                {
                    var watch = Stopwatch.StartNew();
                    double error = run(ml.Data.KeepLabelsPerClass(train, perClass, seed), seed);
                    runs.Add((error, watch.Elapsed.TotalSeconds));
                    Console.WriteLine($"  {part.Name}, {perClass * 10} labels, seed {seed}: {error:F2}% in {watch.Elapsed.TotalSeconds:F0} s");
                }
                Add($"| {Method(part.Name, mlpEpochs, convEpochs, convWidth)} | {perClass * 10:N0} | {SeedRuns.Summary(runs)} | "
                    + $"{string.Join(" / ", runs.Select(r => r.Error.ToString("F2")))} | {SeedRuns.Seconds(runs)} |");
            }
        }
        Console.WriteLine($"Wrote {path}");
    }

    private static string Idx(string directory, string name)
    {
        string path = Path.Combine(directory, name);
        return File.Exists(path) ? path : throw new FileNotFoundException(
            $"Fashion-MNIST file '{path}' not found: install the Debian package dataset-fashion-mnist (build/setup.sh does) or name the folder holding the IDX .gz files.", path);
    }

    private static string Method(string part, int mlpEpochs, int convEpochs, int convWidth) => part switch
    {
        "mlp" => $"GAN, MLP, {mlpEpochs} epoch(s)",
        "conv" => $"GAN, convolutional w = {convWidth}, {convEpochs} epoch(s)",
        "lbfgs" => "LbfgsMaximumEntropy, labeled rows only",
        _ => "SdcaMaximumEntropy, labeled rows only",
    };

    /// <summary>Test error (%) of the GAN trained on <paramref name="labeled"/> (all rows, labels missing but for the kept ones).</summary>
    private static double GanError(MLContext ml, IDataView labeled, IDataView test, SemiSupervisedGanTrainer.Options options)
    {
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(labeled);
        using var model = ml.Gan.SemiSupervised(options).Fit(keys.Transform(labeled));
        return 100 * (1 - ml.MulticlassClassification.Evaluate(model.Transform(keys.Transform(test))).MicroAccuracy);
    }

    /// <summary>Test error (%) of <paramref name="trainer"/> fit on the rows of <paramref name="labeled"/> that keep their label.</summary>
    private static double SupervisedError(MLContext ml, IDataView labeled, IDataView test, IEstimator<ITransformer> trainer)
    {
        var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(trainer).Fit(ml.Data.FilterRowsByMissingValues(labeled, "Label"));
        return 100 * (1 - ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy);
    }
}
