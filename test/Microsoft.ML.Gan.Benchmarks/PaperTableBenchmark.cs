using System.Diagnostics;
using System.Text;

namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>
/// The paper's permutation-invariant MNIST table within a stated epoch budget: test error (mean ± std over seeds; the seed
/// picks the labeled rows and the weights) for 20, 50, 100 and 200 labels next to the paper's numbers, an ensemble line,
/// an ablation of each technique added to the paper's setup (the default options with instance noise off) at 100
/// labels, and ML.NET supervised trainers fit on the same labeled rows only. Every run has instance noise off unless
/// its row adds it.
/// </summary>
internal static class PaperTableBenchmark
{
    private static readonly int[] LabelsPerClass = [2, 5, 10, 20];
    private static readonly Dictionary<int, string> Paper = new() { [2] = "16.77 ± 4.52", [5] = "2.21 ± 1.36", [10] = "0.93 ± 0.065", [20] = "0.90 ± 0.042" };
    private static readonly Dictionary<int, string> PaperEnsemble = new() { [2] = "11.34 ± 4.45", [5] = "1.42 ± 0.96", [10] = "0.86 ± 0.056", [20] = "0.81 ± 0.043" };

    private static readonly (string Name, Action<SemiSupervisedGanTrainer.Options> Change)[] Ablations =
    [
        ("paper's setup (feature matching, no instance noise)", _ => { }),
        ("+ one-sided label smoothing 0.9", o => o.OneSidedLabelSmoothing = 0.9),
        ("+ historical averaging 1e-3", o => o.HistoricalAveragingWeight = 1e-3),
        ("+ minibatch discrimination 100 x 5", o => o.MinibatchDiscriminationKernels = 100),
        ("+ virtual batch norm", o => o.VirtualBatchNormalization = true),
        ("non-saturating generator loss", o => o.GeneratorObjective = GeneratorObjective.NonSaturating),
        ("minimax generator loss", o => o.GeneratorObjective = GeneratorObjective.Minimax),
        ("+ 2 discriminator steps", o => o.DiscriminatorSteps = 2),
        ("+ instance noise 0.2 decaying over the budget", o => o.InstanceNoiseStandardDeviation = 0.2),
        ("+ experience replay 1,000", o => o.ExperienceReplaySize = 1000),
    ];

    /// <summary>
    /// Runs the parts named in <paramref name="parts"/> ("table", "ensemble", "ablation", "baselines", comma-separated);
    /// a part may name what it covers after a colon, joined by '+': labels per class for "table" and "ensemble"
    /// (e.g. "ensemble:10"), ablation rows by number from 1 in the order to run them (e.g. "ablation:10+9+8"). The report is
    /// rewritten after every line, so a stopped run keeps what it finished.
    /// </summary>
    public static void Run(int epochs, int seeds, string parts, int rows, int ensembleSize, int ensembleSeeds, int threads, string reportName,
        string outputDirectory)
    {
        var ml = new MLContext(1);
        var (fullTrain, test) = MnistDataset.Load(ml, Repository.DataDirectory);
        var train = rows < 60_000 ? ml.Data.TakeRows(fullTrain, rows) : fullTrain;
        var wanted = BenchmarkPart.ParseList(parts).ToDictionary(p => p.Name, p => p.Selection);
        var table = wanted.TryGetValue("table", out var t) ? t ?? LabelsPerClass : [];
        var ensembles = wanted.TryGetValue("ensemble", out var e) ? e ?? LabelsPerClass : [];
        var ablations = wanted.TryGetValue("ablation", out var a) ? a?.Select(row => row - 1).ToArray() ?? Enumerable.Range(0, Ablations.Length).ToArray() : [];
        var report = new StringBuilder();
        var clock = Stopwatch.StartNew();
        string setup = $"{epochs} epochs, {rows:N0} training rows, seeds 1-{seeds} (ensembles: seeds 1-{ensembleSeeds}), {threads} torch thread(s) per run";
        string path = Path.Combine(outputDirectory, reportName);
        Console.WriteLine($"MNIST, permutation invariant: {setup}");

        void Add(string line)
        {
            Console.WriteLine(line);
            report.AppendLine(line);
            File.WriteAllText(path, $"""
                # Permutation-invariant MNIST: the paper's table within a budget

                Command: `dotnet run -c Release --project test/Microsoft.ML.Gan.Benchmarks -- paper-table {epochs} {seeds} {parts} {rows} {ensembleSize} {ensembleSeeds} {threads} {reportName}`
                Machine: {Environment.ProcessorCount} cores, {threads} torch thread(s) per run, {Environment.OSVersion}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {clock.Elapsed.TotalMinutes:F0} minutes so far.
                Budget: {setup}. The paper trains 300 epochs on all 60,000 rows and reports 10 seeds (errors out of 10,000 converted to %).
                The seed picks both the labeled rows (KeepLabelsPerClass) and the weights. Test error on the 10,000 test images.

                {report}
                """);
        }

        if (table.Length + ensembles.Length > 0)
        {
            Add("## Test error (%) by number of labels");
            Add("");
            Add("| labels | ours: mean ± std | paper, feature matching (300 epochs) | ours, ensemble of " + ensembleSize + " | paper, ensemble of 10 | seconds per run |");
            Add("|---:|---:|---:|---:|---:|---:|");
            foreach (int perClass in LabelsPerClass.Where(n => table.Contains(n) || ensembles.Contains(n)))
            {
                var single = table.Contains(perClass) ? Runs(ml, train, test, perClass, seeds, epochs, threads, _ => { }) : [];
                var ensemble = ensembles.Contains(perClass) ? Runs(ml, train, test, perClass, ensembleSeeds, epochs, threads, o => o.EnsembleSize = ensembleSize) : [];
                Add($"| {perClass * 10} | {SeedRuns.Summary(single)} | {Paper[perClass]} | {SeedRuns.Summary(ensemble)} | {PaperEnsemble[perClass]} | {SeedRuns.Seconds(single)} / {SeedRuns.Seconds(ensemble)} |");
            }
            Add("");
        }
        if (ablations.Length > 0)
        {
            Add("## Ablation at 100 labels: each technique added to the paper's setup (instance noise off)");
            Add("");
            Add("| # | setting | test error (%) mean ± std | seconds per run |");
            Add("|---:|---|---:|---:|");
            foreach (int row in ablations)
            {
                var (name, change) = Ablations[row];
                var runs = Runs(ml, train, test, 10, seeds, epochs, threads, o =>
                {
                    change(o);
                    o.InstanceNoiseDecayEpochs = epochs;
                });
                Add($"| {row + 1} | {name} | {SeedRuns.Summary(runs)} | {SeedRuns.Seconds(runs)} |");
            }
            Add("");
        }
        if (wanted.ContainsKey("baselines"))
        {
            Add("## ML.NET supervised trainers on the labeled rows only");
            Add("");
            Add("| trainer | " + string.Join(" | ", LabelsPerClass.Select(n => $"{n * 10} labels")) + " |");
            Add("|---|" + string.Concat(LabelsPerClass.Select(_ => "---:|")));
            foreach (var (name, trainer) in new (string, Func<IEstimator<ITransformer>>)[]
            {
                ("LbfgsMaximumEntropy", () => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy()),
                ("SdcaMaximumEntropy", () => ml.MulticlassClassification.Trainers.SdcaMaximumEntropy()),
                ("LightGbm", () => ml.MulticlassClassification.Trainers.LightGbm()),
            })
            {
                var cells = LabelsPerClass.Select(perClass => SeedRuns.Summary(Enumerable.Range(1, seeds).Select(seed =>
                {
                    var watch = Stopwatch.StartNew();
                    var labeled = ml.Data.FilterRowsByMissingValues(ml.Data.KeepLabelsPerClass(train, perClass, seed), "Label");
                    var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(trainer()).Fit(labeled);
                    return (100 * (1 - ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy), watch.Elapsed.TotalSeconds);
                }).ToList()));
                Add($"| {name} | {string.Join(" | ", cells)} |");
            }
            Add("");
        }
        Console.WriteLine($"Wrote {path}");
    }

    private static List<(double Error, double Seconds)> Runs(MLContext ml, IDataView train, IDataView test, int perClass, int seeds, int epochs,
        int threads, Action<SemiSupervisedGanTrainer.Options> change) =>
        Enumerable.Range(1, seeds).Select(seed =>
        {
            var watch = Stopwatch.StartNew();
            var labeled = ml.Data.KeepLabelsPerClass(train, perClass, seed);
            var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(labeled);
            var options = new SemiSupervisedGanTrainer.Options { MaxEpoch = epochs, Seed = seed, NumberOfThreads = threads, InstanceNoiseStandardDeviation = 0 };
            change(options);
            using var model = ml.Gan.SemiSupervised(options).Fit(keys.Transform(labeled));
            double error = 100 * (1 - ml.MulticlassClassification.Evaluate(model.Transform(keys.Transform(test))).MicroAccuracy);
            return (error, watch.Elapsed.TotalSeconds);
        }).ToList();
}
