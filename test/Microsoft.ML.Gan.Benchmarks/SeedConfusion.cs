using System.Globalization;
using Microsoft.ML.Data;
using Microsoft.ML.Gan.IO;

namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>
/// How many test images of class <paramref name="Truth"/> the final model of a seed-protocol run predicts as
/// <paramref name="Predicted"/> (an off-diagonal cell of the confusion matrix, classes by the label's values); the curve
/// benchmark reports them too. A run that stalls above the others usually has one large cell: a sub-cluster of a class
/// assigned to a neighbour.
/// </summary>
internal sealed record SeedConfusion(string Truth, string Predicted, long Count)
{
    /// <summary>The file of a run's confusions, in its folder.</summary>
    public const string FileName = "confusion.csv";

    private const string CsvHeader = "truth,predicted,test_images";

    /// <summary>The off-diagonal cells of <paramref name="model"/>'s confusion matrix on <paramref name="test"/> (key-typed Label), largest first.</summary>
    public static SeedConfusion[] Measure(MLContext ml, ITransformer model, IDataView test) =>
        From(ml.MulticlassClassification.Evaluate(model.Transform(test)), test.Schema["Label"]);

    /// <summary>The off-diagonal cells of evaluated <paramref name="metrics"/>, classes named by <paramref name="label"/>'s key values, largest first.</summary>
    public static SeedConfusion[] From(MulticlassClassificationMetrics metrics, DataViewSchema.Column label)
    {
        VBuffer<float> values = default;
        label.GetKeyValues(ref values);
        var names = values.DenseValues().Select(v => v.ToString(CultureInfo.InvariantCulture)).ToArray();
        var counts = metrics.ConfusionMatrix.Counts;
        return [.. Enumerable.Range(0, counts.Count)
            .SelectMany(truth => Enumerable.Range(0, counts[truth].Count).Select(predicted => (truth, predicted)))
            .Where(cell => cell.truth != cell.predicted && counts[cell.truth][cell.predicted] > 0)
            .Select(cell => new SeedConfusion(names[cell.truth], names[cell.predicted], (long)counts[cell.truth][cell.predicted]))
            .OrderByDescending(c => c.Count).ThenBy(c => c.Truth, StringComparer.Ordinal).ThenBy(c => c.Predicted, StringComparer.Ordinal)];
    }

    /// <summary>"7 as 2: 95; 3 as 5: 11" for the <paramref name="count"/> largest cells; empty for none.</summary>
    public static string Largest(IEnumerable<SeedConfusion>? confusions, int count) =>
        confusions is null ? "" : string.Join("; ", confusions.Take(count).Select(c => $"{c.Truth} as {c.Predicted}: {c.Count}"));

    /// <summary>Writes a run's confusions, replacing the file atomically.</summary>
    public static void WriteCsv(string path, IEnumerable<SeedConfusion> confusions) =>
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, leaveOpen: true);
            writer.WriteLine(CsvHeader);
            foreach (var c in confusions)
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{c.Truth},{c.Predicted},{c.Count}"));
        });

    /// <summary>A run's confusions; null when the run has not written them (not finished, or finished by an older build).</summary>
    public static SeedConfusion[]? ReadCsv(string path)
    {
        if (!File.Exists(path))
            return null;
        var lines = File.ReadAllLines(path);
        return [.. lines.Skip(1).Where(line => line.Length > 0).Select((line, i) =>
        {
            var cells = line.Split(',');
            return cells.Length == 3 && long.TryParse(cells[2], NumberStyles.None, CultureInfo.InvariantCulture, out long count)
                ? new SeedConfusion(cells[0], cells[1], count)
                : throw new InvalidDataException($"{path}, line {i + 2}: '{line}' is not a confusion line ({CsvHeader}).");
        })];
    }
}
