using System.Diagnostics;
using System.Text;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.LightGbm;

namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>
/// The four shared UCI tables (shuttle, dna, vowel, vehicle) with 10 labels per class (5 where a class has fewer than
/// 50 training rows) and the training rows as unlabeled data: test error of the GAN on raw and on min-max features, of
/// ML.NET trainers fit on the labeled rows only, and of self-training; per seed and mean ± std.
/// </summary>
internal static class TabularBenchmark
{
    private const string AllParts = "gan-raw,gan-minmax,lbfgs,sdca,lightgbm,self-training";

    /// <summary>Self-training: rounds of adding pseudo-labeled rows, and the share of the pool added per round.</summary>
    private const int SelfTrainingRounds = 5;
    private const double SelfTrainingShare = 0.1;

    public static void Run(int seeds, int steps, int maxRows, string tables, string parts, int threads, string reportName, string defaults, string[] overrides,
        string outputDirectory)
    {
        var ml = new MLContext(1);
        string directory = Path.Combine(Repository.DataDirectory, "tabular");
        var report = new StringBuilder();
        var clock = Stopwatch.StartNew();
        string arguments = $"{seeds} {steps} {maxRows} {tables} {parts} {threads} {reportName} {defaults}" + string.Concat(overrides.Select(o => " " + o));
        bool tabular = defaults switch
        {
            "tabular" => true,
            "mnist" => false,
            _ => throw new ArgumentException($"Defaults '{defaults}': use tabular (Options.ForTabular) or mnist (new Options()).", nameof(defaults)),
        };
        string budget = steps > 0
            ? $"MaxEpoch so that training takes at least {steps:N0} steps of BatchSize (epochs = ceil({steps} / floor(rows / BatchSize)))"
            : "MaxEpoch of the defaults";
        string path = Path.Combine(outputDirectory, reportName);
        string overrideText = overrides.Length == 0 ? "none" : string.Join(", ", overrides);

        void Add(string line)
        {
            Console.WriteLine(line);
            report.AppendLine(line);
            File.WriteAllText(path, $"""
                # Tabular rows with few labels: the semi-supervised GAN against ML.NET trainers

                Command: `dotnet run -c Release --project test/Microsoft.ML.Gan.Benchmarks -- tabular {arguments}`
                Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {clock.Elapsed.TotalMinutes:F0} minutes so far.

                Data: the four UCI tables of `../shared/data/tabular/` (mlbench 2.1-3). Split: vowel trains on speakers 0-7 (528 rows)
                and tests on speakers 8-14 (462), without the speaker column; the others are shuffled with seed {TabularTable.SplitSeed}
                and the last {TabularTable.TestFraction:P0} of the rows test. Labels: 10 per class of the training rows (5 where a
                class has fewer than 50 training rows), chosen with the run's seed (1-{seeds}), which also seeds the GAN. Unlabeled
                data: every training row, or, where there are more than {maxRows:N0} (shuttle), the labeled rows and a seeded
                sample of the others up to {maxRows:N0} rows.

                GAN: defaults {(tabular ? "Options.ForTabular(rows)" : "new Options() (MNIST's)")}, changed options: {overrideText}; {budget};
                {threads} torch thread(s). "raw": the table's numbers; "min-max":
                after ML.NET's NormalizeMinMax (default fixZero: x / max |x| per column) fitted on the training rows.
                ML.NET trainers: default options and {threads} thread(s), fit on the labeled rows only; LbfgsMaximumEntropy and
                SdcaMaximumEntropy after NormalizeMinMax, LightGbm on the raw numbers with MinimumExampleCountPerLeaf 2 (its
                default, 20, leaves most trees of 40-70 rows unsplit). Self-training: LightGbm (as above)
                fit on the labeled rows, then {SelfTrainingRounds} rounds that each pseudo-label, for every class, the unlabeled rows it
                predicts as that class with the highest probability ({SelfTrainingShare:P0} of the unlabeled rows / K per class) and refit.
                Test error in %; std is the sample standard deviation over the seeds; seconds are the wall time of one run.

                {report}
                """);
        }

        Add("| table | method | test error (%), mean ± std | per seed (%) | seconds per run |");
        Add("|---|---|---:|---|---:|");
        foreach (string name in tables.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var table = TabularTable.Load(directory, name);
            Console.WriteLine($"{name}: {table.Train.Length} training rows, {table.Test.Length} test rows, {table.FeatureNames.Length} features, {table.Classes.Length} classes");
            foreach (string part in parts.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                var runs = new List<(double Error, double Seconds)>();
                for (int seed = 1; seed <= seeds; seed++)
                {
                    var watch = Stopwatch.StartNew();
                    var labeled = table.LabeledRows(seed);
                    var semi = table.SemiSupervisedRows(labeled, seed, maxRows);
                    double error = part switch
                    {
                        "gan-raw" => GanError(ml, table, semi, seed, steps, threads, tabular, overrides, minMax: false),
                        "gan-minmax" => GanError(ml, table, semi, seed, steps, threads, tabular, overrides, minMax: true),
                        "lbfgs" => SupervisedError(ml, table, labeled.Select(i => table.Train[i]), Lbfgs(ml, threads), normalize: true),
                        "sdca" => SupervisedError(ml, table, labeled.Select(i => table.Train[i]),
                            ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(new SdcaMaximumEntropyMulticlassTrainer.Options { NumberOfThreads = threads }), normalize: true),
                        "lightgbm" => SupervisedError(ml, table, labeled.Select(i => table.Train[i]), LightGbm(ml, threads), normalize: false),
                        "self-training" => SelfTrainingError(ml, table, semi, threads),
                        _ => throw new ArgumentException($"Unknown part '{part}'; use {AllParts}.", nameof(parts)),
                    };
                    runs.Add((error, watch.Elapsed.TotalSeconds));
                    Console.WriteLine($"  {name}, {part}, seed {seed}: {error:F2}% in {watch.Elapsed.TotalSeconds:F0} s");
                }
                Add($"| {name} | {Method(part)} | {SeedRuns.Summary(runs)} | {string.Join(" / ", runs.Select(r => r.Error.ToString("F2")))} | {SeedRuns.Seconds(runs)} |");
            }
        }
        Console.WriteLine($"Wrote {path}");
    }

    private static string Method(string part) => part switch
    {
        "gan-raw" => "GAN, raw features",
        "gan-minmax" => "GAN, min-max features",
        "lbfgs" => "LbfgsMaximumEntropy, labeled rows only",
        "sdca" => "SdcaMaximumEntropy, labeled rows only",
        "lightgbm" => "LightGbm, labeled rows only",
        _ => "self-training (LightGbm)",
    };

    private static IEstimator<ITransformer> Lbfgs(MLContext ml, int threads) =>
        ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options { NumberOfThreads = threads });

    private static IEstimator<ITransformer> LightGbm(MLContext ml, int threads) =>
        ml.MulticlassClassification.Trainers.LightGbm(new LightGbmMulticlassTrainer.Options { NumberOfThreads = threads, MinimumExampleCountPerLeaf = 2 });

    private static IDataView View(MLContext ml, IEnumerable<TabularRow> rows, int featureCount)
    {
        var schema = SchemaDefinition.Create(typeof(TabularRow));
        schema[nameof(TabularRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, featureCount);
        return ml.Data.LoadFromEnumerable(rows.ToArray(), schema);
    }

    /// <summary>Test error (%) of the GAN trained on <paramref name="semi"/> (labeled and unlabeled rows).</summary>
    private static double GanError(MLContext ml, TabularTable table, TabularRow[] semi, int seed, int steps, int threads, bool tabular, string[] overrides, bool minMax)
    {
        int features = table.FeatureNames.Length;
        var options = tabular ? SemiSupervisedGanTrainer.Options.ForTabular(semi.Length) : new SemiSupervisedGanTrainer.Options();
        options.Seed = seed;
        options.NumberOfThreads = threads;
        OptionOverrides.Apply(options, overrides);
        int stepsPerEpoch = Math.Max(1, semi.Length / options.BatchSize);
        if (steps > 0)
            options.MaxEpoch = (steps + stepsPerEpoch - 1) / stepsPerEpoch;
        var train = View(ml, semi, features);
        var test = View(ml, table.Test, features);
        if (minMax)
        {
            var scaler = ml.Transforms.NormalizeMinMax("Features").Fit(train);
            train = scaler.Transform(train);
            test = scaler.Transform(test);
        }
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(train);
        using var model = ml.Gan.SemiSupervised(options).Fit(keys.Transform(train));
        return 100 * (1 - ml.MulticlassClassification.Evaluate(model.Transform(keys.Transform(test))).MicroAccuracy);
    }

    private static ITransformer FitSupervised(MLContext ml, IDataView labeled, IEstimator<ITransformer> trainer, bool normalize)
    {
        IEstimator<ITransformer> pipeline = ml.Transforms.Conversion.MapValueToKey("Label");
        if (normalize)
            pipeline = pipeline.Append(ml.Transforms.NormalizeMinMax("Features"));
        return pipeline.Append(trainer).Fit(labeled);
    }

    private static double SupervisedError(MLContext ml, TabularTable table, IEnumerable<TabularRow> labeled, IEstimator<ITransformer> trainer, bool normalize)
    {
        var model = FitSupervised(ml, View(ml, labeled, table.FeatureNames.Length), trainer, normalize);
        return 100 * (1 - ml.MulticlassClassification.Evaluate(model.Transform(View(ml, table.Test, table.FeatureNames.Length))).MicroAccuracy);
    }

    /// <summary>
    /// Self-training: fits on the labeled rows, then each round labels, per class, the most confident pool rows predicted
    /// as that class and refits on the labeled and pseudo-labeled rows.
    /// </summary>
    private static double SelfTrainingError(MLContext ml, TabularTable table, TabularRow[] semi, int threads)
    {
        int features = table.FeatureNames.Length;
        var training = semi.Where(r => r.Label.Length > 0).ToList();
        var pool = semi.Where(r => r.Label.Length == 0).ToList();
        var classes = training.Select(r => r.Label).Distinct().Count();
        int perClass = Math.Max(1, (int)(SelfTrainingShare * pool.Count / classes));
        var model = FitSupervised(ml, View(ml, training, features), LightGbm(ml, threads), normalize: false);
        for (int round = 0; round < SelfTrainingRounds && pool.Count > 0; round++)
        {
            var scored = model.Transform(View(ml, pool, features));
            var predictions = ml.Data.CreateEnumerable<Prediction>(ml.Transforms.Conversion.MapKeyToValue("PredictedText", "PredictedLabel").Fit(scored).Transform(scored), false).ToArray();
            var chosen = Enumerable.Range(0, pool.Count)
                .GroupBy(i => predictions[i].PredictedText)
                .SelectMany(g => g.OrderByDescending(i => predictions[i].Score.Max()).Take(perClass))
                .ToHashSet();
            training.AddRange(chosen.Select(i => new TabularRow { Features = pool[i].Features, Label = predictions[i].PredictedText }));
            pool = pool.Where((_, i) => !chosen.Contains(i)).ToList();
            model = FitSupervised(ml, View(ml, training, features), LightGbm(ml, threads), normalize: false);
        }
        return 100 * (1 - ml.MulticlassClassification.Evaluate(model.Transform(View(ml, table.Test, features))).MicroAccuracy);
    }

    private sealed class Prediction
    {
        public string PredictedText { get; set; } = "";
        public float[] Score { get; set; } = [];
    }
}
