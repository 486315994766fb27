using System.Globalization;
using Microsoft.ML.Gan.Cli;

namespace Microsoft.ML.Gan.Tests;

/// <summary>The mlgan command line, run in-process: usage, exit codes, and train / evaluate / predict on a CSV file.</summary>
[TestClass]
public sealed class CliTests
{
    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = MlganCli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [TestMethod]
    public void HelpListsTheCommandsAndExitsWithZero()
    {
        var (code, output, _) = Run("--help");
        Assert.AreEqual(0, code);
        foreach (string command in new[] { "train", "evaluate", "predict", "generate", "export-onnx" })
            StringAssert.Contains(output, command);
    }

    [TestMethod]
    public void AnUnknownOptionIsAUsageErrorWithExitCodeTwo()
    {
        var (code, _, error) = Run("train", "--no-such-option");
        Assert.AreEqual(2, code);
        StringAssert.Contains(error, "--no-such-option");
    }

    [TestMethod]
    public void AMissingModelIsARuntimeErrorNamingTheFile()
    {
        string csv = WriteCsv(Directory.CreateTempSubdirectory("mlgan-cli-").FullName);
        var (code, _, error) = Run("evaluate", "--model", "/nonexistent/model.zip", "--csv", csv);
        Assert.AreEqual(1, code);
        StringAssert.Contains(error, "/nonexistent/model.zip");
    }

    [TestMethod]
    public void ExportingAFileThatIsNotAModelIsARuntimeErrorNamingTheFile()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("mlgan-cli-").FullName, "model.zip");
        File.WriteAllText(path, "not a zip");
        var (code, _, error) = Run("export-onnx", "--model", path, "--output", path + ".onnx");
        Assert.AreEqual(1, code);
        StringAssert.Contains(error, path);
        Assert.IsFalse(File.Exists(path + ".onnx"), "nothing is written");
    }

    [TestMethod]
    public void BadLayerWidthsAreAUsageError()
    {
        string csv = WriteCsv(Directory.CreateTempSubdirectory("mlgan-cli-").FullName);
        var (code, _, error) = Run("train", "--csv", csv, "--hidden", "64,x");
        Assert.AreEqual(2, code);
        StringAssert.Contains(error, "--hidden '64,x'");
    }

    [TestMethod]
    public void TrainEvaluateAndPredictOnACsvFile()
    {
        string directory = Directory.CreateTempSubdirectory("mlgan-cli-").FullName;
        string csv = WriteCsv(directory), model = Path.Combine(directory, "model.zip"), predictions = Path.Combine(directory, "predictions.csv");

        var train = Run("train", "--csv", csv, "--model", model, "--epochs", "4", "--batch-size", "20", "--hidden", "16,8",
            "--generator-hidden", "8", "--noise-size", "4", "--onnx", Path.Combine(directory, "model.onnx"), "--plots", directory,
            "--generator", Path.Combine(directory, "generator.onnx"));
        Assert.AreEqual(0, train.Code, train.Error);
        StringAssert.Contains(train.Output, "epoch 4/4");
        Assert.IsTrue(File.Exists(model) && File.Exists(Path.Combine(directory, "model.onnx")));
        foreach (string picture in new[] { "training-curves.png", "samples-epoch-001.png", "samples-epoch-004.png" })
            CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(Path.Combine(directory, picture))[..4], picture);

        var evaluate = Run("evaluate", "--model", model, "--csv", csv);
        Assert.AreEqual(0, evaluate.Code, evaluate.Error);
        double error = double.Parse(evaluate.Output.Split('\n')[0].Replace("Error rate: ", "").Replace("%", ""), CultureInfo.InvariantCulture);
        Assert.IsLessThan(25.0, error, "two well-separated classes");

        var predict = Run("predict", "--model", model, "--csv", csv, "--output", predictions);
        Assert.AreEqual(0, predict.Code, predict.Error);
        var lines = File.ReadAllLines(predictions);
        Assert.HasCount(201, lines);
        StringAssert.StartsWith(lines[0], "PredictedLabel,Score[");

        string exported = Path.Combine(directory, "exported.onnx");
        var export = Run("export-onnx", "--model", model, "--output", exported);
        Assert.AreEqual(0, export.Code, export.Error);
        StringAssert.Contains(export.Output, "Score.Probabilities");
        using (var session = new Microsoft.ML.OnnxRuntime.InferenceSession(exported))
        {
            float[] firstRow = File.ReadAllLines(csv)[1].Split(',').Skip(1).Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            var input = Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor("Features", new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(firstRow, [1, 4]));
            using var results = session.Run([input]);
            float[] probabilities = results.Single(r => r.Name == "Score.Probabilities").AsEnumerable<float>().ToArray();
            float[] predicted = lines[1].Split(',').Skip(1).Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            Assert.HasCount(2, probabilities);
            for (int k = 0; k < 2; k++)
                Assert.AreEqual(predicted[k], probabilities[k], 1e-4, "the exported graph scores like model.zip (predict writes 6 significant digits)");
        }

        var generate = Run("generate", "--generator", Path.Combine(directory, "generator.onnx"), "--count", "9", "--output", Path.Combine(directory, "samples.png"));
        Assert.AreEqual(0, generate.Code, generate.Error);
        CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(Path.Combine(directory, "samples.png"))[..4], "4 features draw as 2x2 images");
        Directory.Delete(directory, recursive: true);
    }

    [TestMethod]
    public void TrainAndPredictOnAnImageFolderWithClassSubfolders()
    {
        string directory = Directory.CreateTempSubdirectory("mlgan-images-").FullName;
        string folder = WriteImageFolder(directory), model = Path.Combine(directory, "model.zip");

        var train = Run("train", "--image-folder", folder, "--image-size", "8", "--model", model, "--epochs", "3", "--batch-size", "20",
            "--hidden", "16,8", "--generator-hidden", "8", "--noise-size", "4", "--verbose", "--conditional", "--generator", Path.Combine(directory, "generator.onnx"));
        Assert.AreEqual(0, train.Code, train.Error);
        var generate = Run("generate", "--generator", Path.Combine(directory, "generator.onnx"), "--per-class", "3", "--output", Path.Combine(directory, "classes.png"));
        Assert.AreEqual(0, generate.Code, generate.Error);
        using (var grid = SkiaSharp.SKBitmap.Decode(Path.Combine(directory, "classes.png")))
            Assert.AreEqual((3 * 10, 2 * 10), (grid.Width, grid.Height), "two classes: two rows of three 8x8 samples with borders");
        var evaluate = Run("evaluate", "--model", model, "--image-folder", folder, "--image-size", "8");
        Assert.AreEqual(0, evaluate.Code, evaluate.Error);
        StringAssert.StartsWith(evaluate.Output, "Error rate: 0.00%", "bright and dark images are trivially separable");
        var predict = Run("predict", "--model", model, "--image-folder", folder, "--image-size", "8");
        Assert.AreEqual(0, predict.Code, predict.Error);
        AssertPredictsTheImageFolder(predict.Output);
        Directory.Delete(directory, recursive: true);
    }

    [TestMethod]
    public void TrainEvaluateAndPredictWithTheConvArchitectureOnColourImages()
    {
        string directory = Directory.CreateTempSubdirectory("mlgan-conv-").FullName;
        string folder = WriteImageFolder(directory), model = Path.Combine(directory, "model.zip");

        // --color gives ExtractPixels' [3, 12, 12] column: the trainer must read that shape (432 values are no square of one channel).
        var train = Run("train", "--image-folder", folder, "--image-size", "12", "--color", "--architecture", "conv", "--conv-width", "16",
            "--model", model, "--epochs", "2", "--batch-size", "20", "--noise-size", "4", "--threads", "1", "--plain", "--verbose");
        Assert.AreEqual(0, train.Code, train.Error);
        StringAssert.Contains(train.Output, "epoch 2/2");
        var evaluate = Run("evaluate", "--model", model, "--image-folder", folder, "--image-size", "12", "--color");
        Assert.AreEqual(0, evaluate.Code, evaluate.Error);
        Assert.IsLessThan(10.0, ErrorRate(evaluate.Output), $"bright and dark images are trivially separable; the MLP makes no error on them.\n{train.Output}");
        var predict = Run("predict", "--model", model, "--image-folder", folder, "--image-size", "12", "--color");
        Assert.AreEqual(0, predict.Code, predict.Error);
        AssertPredictsTheImageFolder(predict.Output);
        Directory.Delete(directory, recursive: true);
    }

    [TestMethod]
    public void TheConvArchitectureReadsIdxDigitsAsSquareImages()
    {
        string directory = Directory.CreateTempSubdirectory("mlgan-conv-").FullName;
        string images = Path.Combine(TestData.DataDirectory, "mnist", "t10k-images-idx3-ubyte.gz"), labels = Path.Combine(TestData.DataDirectory, "mnist", "t10k-labels-idx1-ubyte.gz");
        var train = Run("train", "--images", images, "--labels", labels, "--rows", "1000", "--labels-per-class", "10", "--architecture", "conv",
            "--conv-width", "16", "--epochs", "4", "--batch-size", "50", "--threads", "1", "--model", Path.Combine(directory, "model.zip"),
            "--test-images", images, "--test-labels", labels, "--verbose");
        Assert.AreEqual(0, train.Code, train.Error);
        // 784 features are read as one 28x28 channel, and the convolutions learn from them: ten classes, chance is 90%
        // error; this run (seed 1, one thread, width 16) scored 45.02% on the 10,000 images when the bound was set.
        Assert.IsLessThan(70.0, ErrorRate(train.Output), train.Output);
        Directory.Delete(directory, recursive: true);
    }

    [TestMethod]
    public void AnEnsembleTrainsItsMembersInTurnAndAnInterruptionNamesTheMemberToResume()
    {
        string directory = Directory.CreateTempSubdirectory("mlgan-ensemble-").FullName;
        string checkpoints = Path.Combine(directory, "checkpoints"), model = Path.Combine(directory, "model.zip");
        string[] arguments = [.. TestData.SmallMlganTrain(checkpoints, model, epochs: 1), "--ensemble", "2"];
        var train = Run(arguments);
        Assert.AreEqual(0, train.Code, train.Error);
        StringAssert.StartsWith(train.Output, "member 1/2, epoch 1/1:");
        StringAssert.Contains(train.Output, "\nmember 2/2, epoch 1/1:");

        var report = new StringWriter();
        TrainCommand.ReportInterruption(report, checkpoints, 2, arguments);
        StringAssert.StartsWith(report.ToString(), $"Training interrupted; the checkpoint of member 2/2, epoch 1 is in {Path.Combine(checkpoints, "member-1")}. Resume with:");

        // Stopped before the second member wrote a checkpoint: the report names the first, and its resume command
        // trains only the second.
        Directory.Delete(Path.Combine(checkpoints, "member-1"), recursive: true);
        report = new StringWriter();
        TrainCommand.ReportInterruption(report, checkpoints, 2, arguments);
        var lines = report.ToString().Split('\n', StringSplitOptions.TrimEntries);
        Assert.AreEqual($"Training interrupted; the checkpoint of member 1/2, epoch 1 is in {Path.Combine(checkpoints, "member-0")}. Resume with:", lines[0]);
        var resumed = Run(lines[1].Split(' ')[1..]);
        Assert.AreEqual(0, resumed.Code, resumed.Error);
        StringAssert.StartsWith(resumed.Output, "member 2/2, epoch 1/1:");
        Directory.Delete(directory, recursive: true);
    }

    [TestMethod]
    public void PrecisionReachesTrainingAndAnUnknownValueIsAUsageError()
    {
        string directory = Directory.CreateTempSubdirectory("mlgan-precision-").FullName;
        string FirstEpoch(string precision)
        {
            var train = Run([.. TestData.SmallMlganTrain(Path.Combine(directory, precision), Path.Combine(directory, $"{precision}.zip"), epochs: 1), "--precision", precision]);
            Assert.AreEqual(0, train.Code, train.Error);
            return train.Output.Split('\n')[0];
        }
        string single = FirstEpoch("Single"), bfloat16 = FirstEpoch("BFloat16");
        StringAssert.StartsWith(single, "epoch 1/1: D loss");
        Assert.AreNotEqual(single, bfloat16, "bfloat16 products round the losses differently");

        var unknown = Run([.. TestData.SmallMlganTrain(Path.Combine(directory, "x"), Path.Combine(directory, "x.zip"), epochs: 1), "--precision", "half"]);
        Assert.AreNotEqual(0, unknown.Code);
        StringAssert.Contains(unknown.Error, "Cannot parse argument 'half' for option '--precision'");
        Directory.Delete(directory, recursive: true);
    }

    [TestMethod]
    public void BadArchitectureOptionsAreUsageErrorsNamingTheOption()
    {
        string directory = Directory.CreateTempSubdirectory("mlgan-conv-").FullName;
        string folder = WriteImageFolder(directory), model = Path.Combine(directory, "model.zip");
        var unknown = Run("train", "--image-folder", folder, "--model", model, "--architecture", "foo");
        Assert.AreEqual(2, unknown.Code);
        StringAssert.Contains(unknown.Error, "--architecture 'foo'");
        var width = Run("train", "--image-folder", folder, "--model", model, "--architecture", "conv", "--conv-width", "0");
        Assert.AreEqual(2, width.Code);
        StringAssert.Contains(width.Error, "--conv-width 0");
        var unblocked = Run("train", "--image-folder", folder, "--model", model, "--architecture", "conv", "--conv-width", "8");
        Assert.AreEqual(2, unblocked.Code);
        StringAssert.Contains(unblocked.Error, "--conv-width 8: expected a positive multiple of 16");
        var small = Run("train", "--image-folder", folder, "--model", model, "--architecture", "conv", "--image-size", "8");
        Assert.AreEqual(2, small.Code);
        StringAssert.Contains(small.Error, "--image-size 8");
        Assert.IsFalse(File.Exists(model), "nothing is trained");
        Directory.Delete(directory, recursive: true);
    }

    /// <summary>The percentage of the "Error rate: X%" line that train and evaluate print.</summary>
    private static double ErrorRate(string output)
    {
        string line = output.Split('\n').Single(l => l.StartsWith("Error rate: ", StringComparison.Ordinal));
        return double.Parse(line["Error rate: ".Length..line.IndexOf('%')], CultureInfo.InvariantCulture);
    }

    /// <summary>Checks the predictions of the 120 images of <see cref="WriteImageFolder"/>: a header with the class scores, one bright or dark row each.</summary>
    private static void AssertPredictsTheImageFolder(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(121, lines);
        StringAssert.Contains(lines[0], "Score[bright]");
        CollectionAssert.IsSubsetOf(lines.Skip(1).Select(l => l.Split(',')[0]).Distinct().ToArray(), new[] { "bright", "dark" });
    }

    /// <summary>120 grey 12x12 PNG files, bright or dark; every third one in a class subfolder, the rest in "unlabeled".</summary>
    private static string WriteImageFolder(string directory)
    {
        string folder = Path.Combine(directory, "images");
        var random = new Random(2);
        for (int i = 0; i < 120; i++)
        {
            bool bright = i % 2 == 0;
            string label = i % 3 == 0 ? (bright ? "bright" : "dark") : "unlabeled";
            Directory.CreateDirectory(Path.Combine(folder, label));
            using var bitmap = new SkiaSharp.SKBitmap(12, 12);
            for (int y = 0; y < 12; y++)
            {
                for (int x = 0; x < 12; x++)
                {
                    byte level = (byte)((bright ? 200 : 40) + random.Next(-30, 30));
                    bitmap.SetPixel(x, y, new SkiaSharp.SKColor(level, level, level));
                }
            }
            using var png = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(Path.Combine(folder, label, $"{i:D3}.png"), png.ToArray());
        }
        return folder;
    }

    /// <summary>200 rows of two Gaussian blobs (labels 3 and 8) in 4 features; every fifth row labeled, the rest empty.</summary>
    private static string WriteCsv(string directory)
    {
        var random = new Random(1);
        var lines = new List<string> { "Label,a,b,c,d" };
        for (int i = 0; i < 200; i++)
        {
            int label = i % 2 == 0 ? 3 : 8;
            double center = label == 3 ? 0.2 : 0.8;
            var features = Enumerable.Range(0, 4).Select(_ => (center + 0.05 * (random.NextDouble() - 0.5)).ToString("F4", CultureInfo.InvariantCulture));
            lines.Add((i % 5 < 2 ? label.ToString(CultureInfo.InvariantCulture) : "") + "," + string.Join(",", features));
        }
        string path = Path.Combine(directory, "data.csv");
        File.WriteAllLines(path, lines);
        return path;
    }
}
