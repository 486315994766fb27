using System.Globalization;
using Microsoft.ML.Gan.Cli;

namespace Microsoft.ML.Gan.Tests;

/// <summary>mlgan on CSV files with class names as labels, and the errors a bad CSV gives.</summary>
[TestClass]
public sealed class TabularCliTests
{
    private static readonly string[] Classes = ["bus", "van", "saab"];

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = MlganCli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>
    /// 300 rows of three classes in 3 features of raw scale (hundreds, with the class in the first two), written as R writes
    /// CSV (quoted header and text); every tenth row keeps its class name, the others have an empty label.
    /// </summary>
    private static string WriteCsv(string directory, string name, bool allLabeled, Func<int, int, string>? cell = null)
    {
        var random = new Random(name.Length);
        var lines = new List<string> { "\"Comp\",\"Circ\",\"Elong\",\"Class\"" };
        for (int i = 0; i < 300; i++)
        {
            int c = i % 3;
            var values = new[] { 100 + 40 * c, 300 - 60 * c, 50 }.Select((center, s) =>
                cell?.Invoke(i, s) ?? (center + 8 * (random.NextDouble() - 0.5) * (s == 2 ? 4 : 1)).ToString("F1", CultureInfo.InvariantCulture));
            string label = allLabeled || i % 10 < 3 ? $"\"{Classes[c]}\"" : "\"\"";
            lines.Add(string.Join(",", values) + "," + label);
        }
        string path = Path.Combine(directory, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    [TestMethod]
    public void TrainsOnClassNamesAndPredictsThem()
    {
        string directory = Directory.CreateTempSubdirectory("mlgan-tabular-").FullName;
        string train = WriteCsv(directory, "train.csv", allLabeled: false), test = WriteCsv(directory, "test-rows.csv", allLabeled: true);
        string model = Path.Combine(directory, "model.zip"), predictions = Path.Combine(directory, "predictions.csv");
        var fit = Run("train", "--csv", train, "--label-column", "Class", "--test-csv", test, "--model", model, "--epochs", "6", "--batch-size", "30",
            "--hidden", "32,32", "--generator-hidden", "16", "--noise-size", "8", "--threads", "1", "--plain");
        Assert.AreEqual(0, fit.Code, fit.Error);
        StringAssert.Contains(fit.Output, "Error rate:");

        var evaluate = Run("evaluate", "--model", model, "--csv", test, "--label-column", "Class");
        Assert.AreEqual(0, evaluate.Code, evaluate.Error);
        double error = double.Parse(evaluate.Output.Split('\n')[0].Replace("Error rate: ", "").Replace("%", ""), CultureInfo.InvariantCulture);
        Assert.IsLessThan(20.0, error, "three classes 40-60 units apart, spread 8");

        var predict = Run("predict", "--model", model, "--csv", test, "--label-column", "Class", "--output", predictions);
        Assert.AreEqual(0, predict.Code, predict.Error);
        var lines = File.ReadAllLines(predictions);
        Assert.HasCount(301, lines);
        StringAssert.StartsWith(lines[0], "PredictedLabel,Score[bus],Score[van],Score[saab]");
        var predicted = lines.Skip(1).Select(l => l.Split(',')[0]).ToArray();
        CollectionAssert.IsSubsetOf(predicted.Distinct().ToArray(), Classes);
        int correct = predicted.Where((p, i) => p == Classes[i % 3]).Count();
        Assert.IsGreaterThan(240, correct, "predictions written as the class names");
    }

    [TestMethod]
    public void AGzipCompressedCsvReadsAsThePlainOne()
    {
        string directory = Directory.CreateTempSubdirectory("mlgan-tabular-").FullName;
        string plain = WriteCsv(directory, "train.csv", allLabeled: false), compressed = plain + ".gz";
        using (var input = File.OpenRead(plain))
        using (var output = new System.IO.Compression.GZipStream(File.Create(compressed), System.IO.Compression.CompressionLevel.Optimal))
            input.CopyTo(output);
        string model = Path.Combine(directory, "model.zip");
        var fit = Run("train", "--csv", compressed, "--label-column", "Class", "--model", model, "--epochs", "1", "--batch-size", "30",
            "--hidden", "8", "--generator-hidden", "8", "--noise-size", "4", "--threads", "1", "--plain");
        Assert.AreEqual(0, fit.Code, fit.Error);
        string fromPlain = Path.Combine(directory, "plain.csv"), fromCompressed = Path.Combine(directory, "compressed.csv");
        Assert.AreEqual(0, Run("predict", "--model", model, "--csv", plain, "--label-column", "Class", "--output", fromPlain).Code);
        Assert.AreEqual(0, Run("predict", "--model", model, "--csv", compressed, "--label-column", "Class", "--output", fromCompressed).Code);
        CollectionAssert.AreEqual(File.ReadAllLines(fromPlain), File.ReadAllLines(fromCompressed));
        Assert.HasCount(301, File.ReadAllLines(fromCompressed));

        string notGzip = Path.Combine(directory, "not-gzip.csv.gz");
        File.Copy(plain, notGzip);
        var bad = Run("train", "--csv", notGzip, "--label-column", "Class", "--model", model, "--epochs", "1");
        Assert.AreNotEqual(0, bad.Code);
        StringAssert.Contains(bad.Error, $"File '{notGzip}' ends in .gz but is not gzip-compressed data");
        Directory.Delete(directory, recursive: true);
    }

    [TestMethod]
    public void ANonNumericFeatureCellNamesItsColumnAndLine()
    {
        string directory = Directory.CreateTempSubdirectory("mlgan-tabular-").FullName;
        string csv = WriteCsv(directory, "bad.csv", allLabeled: false, (row, slot) => row == 7 && slot == 1 ? "n/a" : "1" + row % 5 + slot);
        var (code, _, error) = Run("train", "--csv", csv, "--label-column", "Class");
        Assert.AreEqual(1, code);
        StringAssert.Contains(error, "line 9, column 'Circ': 'n/a' is not a number");
    }

    [TestMethod]
    public void AConstantFeatureColumnIsNamed()
    {
        string directory = Directory.CreateTempSubdirectory("mlgan-tabular-").FullName;
        string csv = WriteCsv(directory, "constant.csv", allLabeled: false, (row, slot) => slot == 2 ? "4" : (row * (slot + 1)).ToString(CultureInfo.InvariantCulture));
        var (code, _, error) = Run("train", "--csv", csv, "--label-column", "Class");
        Assert.AreEqual(1, code);
        StringAssert.Contains(error, "feature column 'Elong' has the value 4 on every line");
    }

    [TestMethod]
    public void AnEmptyFeatureColumnIsNamed()
    {
        string directory = Directory.CreateTempSubdirectory("mlgan-tabular-").FullName;
        string csv = WriteCsv(directory, "empty.csv", allLabeled: false, (row, slot) => slot == 0 ? "" : (row * (slot + 1)).ToString(CultureInfo.InvariantCulture));
        var (code, _, error) = Run("train", "--csv", csv, "--label-column", "Class");
        Assert.AreEqual(1, code);
        StringAssert.Contains(error, "feature column 'Comp' is empty on all 300 lines");
    }

    [TestMethod]
    public void LabelsPerClassOnClassNamesSaysWhatToDoInstead()
    {
        string directory = Directory.CreateTempSubdirectory("mlgan-tabular-").FullName;
        string csv = WriteCsv(directory, "names.csv", allLabeled: true);
        var (code, _, error) = Run("train", "--csv", csv, "--label-column", "Class", "--labels-per-class", "5");
        Assert.AreEqual(MlganCli.UsageError, code);
        StringAssert.Contains(error, "--labels-per-class 5: the label column holds class names");
    }

    [TestMethod]
    public void QuotedCellsMayHoldTheSeparator()
    {
        CollectionAssert.AreEqual(new[] { "a,b", "1", "say \"hi\"", "" }, CsvFile.Split("\"a,b\",1,\"say \"\"hi\"\"\",", ','));
    }
}
