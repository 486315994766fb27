using System.Globalization;
using System.IO.Compression;

namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>
/// One of the shared UCI tables (gzip CSV written by R: header row, quoted text, the class in column "Class"), split into
/// training and test rows, with the labeled rows of one seed chosen from the training rows.
/// </summary>
internal sealed class TabularTable
{
    /// <summary>Share of the rows kept for testing by the seeded split (every table but vowel).</summary>
    public const double TestFraction = 0.25;

    /// <summary>Seed of the train/test split; fixed, so every run and method sees the same test rows.</summary>
    public const int SplitSeed = 0;

    private TabularTable(string name, string[] featureNames, TabularRow[] train, TabularRow[] test)
    {
        Name = name;
        FeatureNames = featureNames;
        Train = train;
        Test = test;
    }

    public string Name { get; }
    public string[] FeatureNames { get; }
    public TabularRow[] Train { get; }
    public TabularRow[] Test { get; }
    public string[] Classes => Train.Select(r => r.Label).Distinct().Order(StringComparer.Ordinal).ToArray();

    /// <summary>
    /// Reads <paramref name="name"/>.csv.gz from <paramref name="directory"/>. Vowel: V1 (the speaker) is dropped, speakers
    /// 0-7 train and 8-14 test. The others: a shuffle with <see cref="SplitSeed"/>, the last <see cref="TestFraction"/> tests.
    /// </summary>
    public static TabularTable Load(string directory, string name)
    {
        string path = Path.Combine(directory, name + ".csv.gz");
        if (!File.Exists(path))
            throw new FileNotFoundException($"Table '{path}' not found; set MLGAN_DATA_DIR to the folder holding tabular/{name}.csv.gz's parent.", path);
        using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        var header = Split(reader.ReadLine()!);
        int label = Array.IndexOf(header, "Class");
        int speaker = name == "vowel" ? Array.IndexOf(header, "V1") : -1;
        var featureColumns = Enumerable.Range(0, header.Length).Where(i => i != label && i != speaker).ToArray();
        var rows = new List<(TabularRow Row, int Speaker)>();
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            var cells = Split(line);
            var features = featureColumns.Select(i => float.Parse(cells[i], CultureInfo.InvariantCulture)).ToArray();
            rows.Add((new TabularRow { Features = features, Label = cells[label] }, speaker < 0 ? 0 : int.Parse(cells[speaker], CultureInfo.InvariantCulture)));
        }
        var names = featureColumns.Select(i => header[i]).ToArray();
        if (speaker >= 0)
            return new(name, names, rows.Where(r => r.Speaker <= 7).Select(r => r.Row).ToArray(), rows.Where(r => r.Speaker >= 8).Select(r => r.Row).ToArray());
        var shuffled = rows.Select(r => r.Row).ToArray();
        new Random(SplitSeed).Shuffle(shuffled);
        int testCount = (int)Math.Round(shuffled.Length * TestFraction);
        return new(name, names, shuffled[testCount..], shuffled[..testCount]);
    }

    /// <summary>Labels kept per class: 10, or 5 where the class has fewer than 50 training rows (all of them if fewer than 5).</summary>
    public static int LabelsFor(int classRows) => classRows >= 50 ? 10 : Math.Min(5, classRows);

    /// <summary>Indices of the training rows that keep their label for <paramref name="seed"/> (<see cref="LabelsFor"/> per class).</summary>
    public int[] LabeledRows(int seed)
    {
        var random = new Random(seed);
        var chosen = new List<int>();
        foreach (var group in Enumerable.Range(0, Train.Length).GroupBy(i => Train[i].Label).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var members = group.ToArray();
            random.Shuffle(members);
            chosen.AddRange(members.Take(LabelsFor(members.Length)));
        }
        return chosen.Order().ToArray();
    }

    /// <summary>
    /// The unlabeled pool for <paramref name="seed"/>: every training row, or the labeled rows and a seeded sample of
    /// the others when there are more than <paramref name="maxRows"/>; rows not in <paramref name="labeled"/> lose their label.
    /// </summary>
    public TabularRow[] SemiSupervisedRows(int[] labeled, int seed, int maxRows)
    {
        var isLabeled = new HashSet<int>(labeled);
        var others = Enumerable.Range(0, Train.Length).Where(i => !isLabeled.Contains(i)).ToArray();
        if (Train.Length > maxRows)
        {
            new Random(seed + 1000).Shuffle(others);
            others = others[..Math.Max(0, maxRows - labeled.Length)];
        }
        return labeled.Select(i => Train[i])
            .Concat(others.Select(i => new TabularRow { Features = Train[i].Features, Label = "" }))
            .ToArray();
    }

    private static string[] Split(string line) => line.Split(',').Select(c => c.Trim().Trim('"')).ToArray();
}

/// <summary>A row of a tabular benchmark table: numeric features and the class text ("" = unlabeled).</summary>
internal sealed class TabularRow
{
    public float[] Features { get; set; } = [];
    public string Label { get; set; } = "";
}
