using Microsoft.ML.Data;
using SkiaSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Tests;

/// <summary>The trained generator: samples from Generate, and its ONNX export scored through ML.NET.</summary>
[TestClass]
public sealed class GeneratorTests
{
    private static SemiSupervisedGanTransformer s_model = null!;

    [ClassInitialize]
    public static void Train(TestContext _)
    {
        var ml = new MLContext(1);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(MnistSubset.Train(ml, 500, labelsPerClass: 5));
        s_model = ml.Gan.SemiSupervised(MnistSubset.TinyOptions(epochs: 2)).Fit(keys.Transform(MnistSubset.Train(ml, 500, labelsPerClass: 5)));
    }

    [ClassCleanup]
    public static void Dispose() => s_model.Dispose();

    [TestMethod]
    public void GenerateGivesPixelsInTheUnitRangeDeterminedBySeed()
    {
        var first = MnistSubset.Column(s_model.Generate(16, seed: 3), "Features");
        var again = MnistSubset.Column(s_model.Generate(16, seed: 3), "Features");
        var other = MnistSubset.Column(s_model.Generate(16, seed: 4), "Features");

        Assert.HasCount(16, first);
        Assert.IsTrue(first.All(row => row.Length == 784 && row.All(v => v >= 0 && v <= 1)));
        for (int i = 0; i < 16; i++)
            CollectionAssert.AreEqual(first[i], again[i], $"row {i}: same seed, same sample");
        Assert.IsFalse(first[0].SequenceEqual(other[0]), "another seed, another sample");
    }

    [TestMethod]
    public void GeneratedSamplesAreWrittenAsPngFilesAndAGrid()
    {
        var ml = new MLContext(1);
        var samples = s_model.Generate(5, seed: 2);
        var values = MnistSubset.Column(samples, "Features");
        string directory = Directory.CreateTempSubdirectory("mlgan-samples-").FullName;
        var paths = ml.Gan.SaveImages(samples, directory);
        CollectionAssert.AreEqual(Enumerable.Range(0, 5).Select(i => Path.Combine(directory, $"{i:D5}.png")).ToArray(), paths.ToArray());
        for (int i = 0; i < 5; i++)
        {
            using var image = SKBitmap.Decode(paths[i]);
            Assert.AreEqual(28, image.Width);
            Assert.AreEqual((byte)Math.Round(values[i][28 * 10 + 14] * 255), image.GetPixel(14, 10).Red, $"sample {i}, pixel (14, 10)");
        }
        string grid = Path.Combine(directory, "grid.png");
        ml.Gan.SaveImageGrid(samples, grid, columns: 5);
        using var drawn = SKBitmap.Decode(grid);
        Assert.AreEqual(5 * 30, drawn.Width);
        Assert.AreEqual(30, drawn.Height);
        Assert.AreEqual((byte)Math.Round(values[3][28 * 10 + 14] * 255), drawn.GetPixel(3 * 30 + 1 + 14, 1 + 10).Red, "sample 3 in the grid");
    }

    [TestMethod]
    public void ASampleDoesNotDependOnTheOthersInItsBatch()
    {
        var alone = MnistSubset.Column(s_model.Generate(1, seed: 9), "Features")[0];
        var inBatch = MnistSubset.Column(s_model.Generate(50, seed: 9), "Features")[0];
        for (int j = 0; j < alone.Length; j++)
            Assert.AreEqual(alone[j], inBatch[j], 1e-6, $"pixel {j}");
    }

    [TestMethod]
    public void TorchAndTheOnnxGeneratorScoredThroughMLNetAgree()
    {
        string path = Path.Combine(Path.GetTempPath(), $"generator-{Guid.NewGuid():N}.onnx");
        s_model.SaveGeneratorOnnx(path);
        using var random = new Generator(5);
        using var z = rand([20, s_model.NoiseSize], generator: random);
        float[] noise = z.data<float>().ToArray();
        var ml = new MLContext(1);
        var schema = SchemaDefinition.Create(typeof(NoiseRow));
        schema[nameof(NoiseRow.Noise)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, s_model.NoiseSize);
        var rows = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 20).Select(i => new NoiseRow { Noise = noise.AsSpan(i * s_model.NoiseSize, s_model.NoiseSize).ToArray() }), schema);
        var onnx = MnistSubset.Column(ml.Transforms.ApplyOnnxModel("Features", "Noise", path).Fit(rows).Transform(rows), "Features");
        var torch = MnistSubset.Column(s_model.Generate(20, seed: 5), "Features");
        for (int i = 0; i < 20; i++)
        {
            for (int j = 0; j < torch[i].Length; j++)
                Assert.AreEqual(torch[i][j], onnx[i][j], 1e-5, $"row {i}, pixel {j}");
        }
        File.Delete(path);
    }

    [TestMethod]
    public void ProgressSamplesShowTheGeneratorEachEpochWithoutChangingTraining()
    {
        var ml = new MLContext(1);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(MnistSubset.Train(ml, 300, labelsPerClass: 3));
        var train = keys.Transform(MnistSubset.Train(ml, 300, labelsPerClass: 3));
        var test = MnistSubset.Test(ml, 50);
        var reports = new List<GanTrainingProgress>();
        var withSamples = MnistSubset.TinyOptions(epochs: 3);
        withSamples.ProgressSampleCount = 6;
        withSamples.Progress = new ProgressRecorder(reports);
        using var sampled = ml.Gan.SemiSupervised(withSamples).Fit(train);
        using var plain = ml.Gan.SemiSupervised(MnistSubset.TinyOptions(epochs: 3)).Fit(train);

        Assert.IsTrue(reports.All(r => r.Samples.Count == 6 && r.Samples.All(x => x.Length == 784)));
        Assert.IsFalse(reports[0].Samples[0].SequenceEqual(reports[2].Samples[0]), "the same noise gives other samples as training goes on");
        var a = MnistSubset.Column(sampled.Transform(keys.Transform(test)), "Score");
        var b = MnistSubset.Column(plain.Transform(keys.Transform(test)), "Score");
        for (int i = 0; i < a.Length; i++)
            CollectionAssert.AreEqual(b[i], a[i], $"row {i}: sampling must not change training");
    }

    private sealed class NoiseRow
    {
        public float[] Noise { get; set; } = [];
    }
}
