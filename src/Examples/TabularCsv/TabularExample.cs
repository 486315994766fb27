using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Gan;
using Microsoft.ML.Trainers.LightGbm;

namespace TabularCsv;

/// <summary>
/// A table with a few labeled rows through an ordinary ML.NET pipeline: writes train.csv (the class kept on a few rows per
/// class, empty on the others) and test.csv from a gzip CSV, loads them with LoadFromTextFile, and fits
/// Concatenate -> MapValueToKey (Class to the key column Label) -> Gan.SemiSupervised -> MapKeyToValue; compares it with LightGbm fit on the labeled rows
/// only, saves model.zip and reloads it in a fresh MLContext.
/// </summary>
internal static class TabularExample
{
    private const string ClassColumn = "Class";

    public static TabularResult Run(TabularSettings settings, TextWriter log)
    {
        string source = Path.Combine(settings.DataDirectory, "tabular", settings.Table + ".csv.gz");
        if (!File.Exists(source))
            throw new FileNotFoundException($"Table '{source}' not found: pass --data with the folder holding tabular/, or set {TabularSettings.DataDirectoryVariable}.", source);
        string root = Path.GetFullPath(settings.OutputDirectory);
        Directory.CreateDirectory(root);
        var (header, trainRows, labeledRows) = WriteSplit(source, Path.Combine(root, "train.csv"), Path.Combine(root, "test.csv"), settings);
        log.WriteLine($"{settings.Table}: {trainRows} training rows in train.csv, {labeledRows} with a class; test rows in test.csv.");

        // An ordinary ML.NET text pipeline: one Single column per feature, the class as text (empty = unlabeled).
        var ml = new MLContext(settings.Seed);
        var featureNames = header.Where(n => n != ClassColumn).ToArray();
        var columns = header.Select((name, i) => new TextLoader.Column(name, name == ClassColumn ? DataKind.String : DataKind.Single, i)).ToArray();
        var loader = ml.Data.CreateTextLoader(new TextLoader.Options { Separators = [','], HasHeader = true, AllowQuoting = true, Columns = columns });
        var train = loader.Load(Path.Combine(root, "train.csv"));
        var test = loader.Load(Path.Combine(root, "test.csv"));

        var options = SemiSupervisedGanTrainer.Options.ForTabular(trainRows);
        options.Seed = settings.Seed;
        if (settings.Epochs is int epochs)
            options.MaxEpoch = epochs;
        var pipeline = ml.Transforms.Concatenate("Features", featureNames)
            .Append(ml.Transforms.Conversion.MapValueToKey("Label", ClassColumn))
            .Append(ml.Gan.SemiSupervised(options))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        log.WriteLine($"Training the semi-supervised GAN for {options.MaxEpoch} epochs (FeatureScaling {options.FeatureScaling}: the raw numbers are standardised inside the trainer) ...");
        using var gan = pipeline.Fit(train);
        double ganError = Error(ml, gan.Transform(test));

        var labeled = ml.Data.FilterByCustomPredicate<ClassRow>(train, row => row.Class.Length == 0);
        var lightGbm = ml.Transforms.Concatenate("Features", featureNames)
            .Append(ml.Transforms.Conversion.MapValueToKey("Label", ClassColumn))
            .Append(ml.MulticlassClassification.Trainers.LightGbm(new LightGbmMulticlassTrainer.Options { MinimumExampleCountPerLeaf = 2 }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"))
            .Fit(labeled);
        double lightGbmError = Error(ml, lightGbm.Transform(test));
        log.WriteLine($"Test error: GAN {ganError:P1}, LightGbm on the {labeledRows} labeled rows only {lightGbmError:P1}.");

        string modelPath = Path.Combine(root, "model.zip");
        ml.Model.Save(gan, train.Schema, modelPath);
        var fresh = new MLContext(settings.Seed);
        var reloaded = fresh.Model.Load(modelPath, out _);
        var reloadedTest = loader.Load(Path.Combine(root, "test.csv"));
        var fitted = Predictions(ml, gan.Transform(test));
        var again = Predictions(fresh, reloaded.Transform(reloadedTest));
        double agreement = fitted.Zip(again).Count(p => p.First.PredictedLabel == p.Second.PredictedLabel) / (double)fitted.Length;

        var first = again[0];
        string predicted = first.PredictedLabel, actual = first.Class;
        log.WriteLine($"Saved {modelPath}; reloaded, it predicts as the fitted model on {agreement:P1} of the test rows. First test row: {actual}, predicted {predicted}.");
        (reloaded as IDisposable)?.Dispose();
        return new TabularResult(labeledRows, trainRows, ganError, lightGbmError, agreement, actual, predicted);
    }

    /// <summary>Share of rows whose PredictedLabel (text) differs from their class.</summary>
    private static double Error(MLContext ml, IDataView scored)
    {
        var rows = Predictions(ml, scored);
        return rows.Count(r => r.PredictedLabel != r.Class) / (double)rows.Length;
    }

    private static Prediction[] Predictions(MLContext ml, IDataView scored) => ml.Data.CreateEnumerable<Prediction>(scored, reuseRowObject: false).ToArray();

    /// <summary>
    /// Shuffles the table's rows with the seed, writes the last quarter to test.csv and the rest to train.csv with the class
    /// kept on <see cref="TabularSettings.LabelsPerClass"/> rows per class (empty on the others). Returns the column names.
    /// </summary>
    private static (string[] Header, int TrainRows, int LabeledRows) WriteSplit(string source, string trainPath, string testPath, TabularSettings settings)
    {
        using var reader = new StreamReader(new GZipStream(File.OpenRead(source), CompressionMode.Decompress));
        string headerLine = reader.ReadLine() ?? throw new InvalidDataException($"Table '{source}' is empty.");
        var header = headerLine.Split(',').Select(n => n.Trim('"')).ToArray();
        int label = Array.IndexOf(header, ClassColumn);
        if (label < 0)
            throw new InvalidDataException($"Table '{source}' has no '{ClassColumn}' column; its columns are {string.Join(", ", header)}.");
        var lines = new List<string[]>();
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
            lines.Add(line.Split(','));
        var random = new Random(settings.Seed);
        var rows = lines.ToArray();
        random.Shuffle(rows);
        int testCount = rows.Length / 4;
        File.WriteAllLines(testPath, rows[..testCount].Select(r => string.Join(",", r)).Prepend(headerLine));
        var kept = new Dictionary<string, int>();
        int labeled = 0;
        var train = rows[testCount..].Select(r =>
        {
            var copy = (string[])r.Clone();
            int count = kept.GetValueOrDefault(copy[label]);
            if (count < settings.LabelsPerClass)
            {
                kept[copy[label]] = count + 1;
                labeled++;
            }
            else
            {
                copy[label] = "\"\"";
            }
            return string.Join(",", copy);
        }).ToArray();
        File.WriteAllLines(trainPath, train.Prepend(headerLine));
        return (header, train.Length, labeled);
    }

    private sealed class ClassRow
    {
        public string Class { get; set; } = "";
    }

    private sealed class Prediction
    {
        public string Class { get; set; } = "";
        public string PredictedLabel { get; set; } = "";
    }
}
