using Microsoft.ML.Data;
using Microsoft.ML.Gan.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Tests;

/// <summary>Virtual batch normalisation: its statistics by hand, and a generator trained with it, exported to ONNX.</summary>
[TestClass]
public sealed class VirtualBatchNormTests
{
    [TestMethod]
    public void AnExampleIsNormalisedWithStatisticsMixingItselfAndTheReferenceBatch()
    {
        using var norm = new VirtualBatchNorm("vbn", 1);
        using var reference = tensor(new[] { 0f, 2f }, [2, 1]);
        var (normalized, mean, meanSquare) = norm.Reference(reference);
        // Reference {0, 2}: mean 1, mean square 2, variance 1, so it normalises to {-1, 1}.
        Assert.AreEqual(1f, mean.item<float>(), 1e-6);
        Assert.AreEqual(2f, meanSquare.item<float>(), 1e-6);
        CollectionAssert.AreEqual(new[] { -1f, 1f }, normalized.data<float>().ToArray().Select(v => MathF.Round(v, 5)).ToArray());
        // x = 4 with n = 2: mu = (4 + 2 * 1) / 3 = 2, s = (16 + 2 * 2) / 3 = 20/3, variance 8/3, y = 2 / sqrt(8/3).
        using var x = tensor(new[] { 4f }, [1, 1]);
        using var y = norm.Normalize(x, mean, meanSquare, 2);
        Assert.AreEqual(2 / Math.Sqrt(8.0 / 3 + 1e-6), y.item<float>(), 1e-5);
        normalized.Dispose();
        mean.Dispose();
        meanSquare.Dispose();
    }

    [TestMethod]
    public void AGeneratorWithVirtualBatchNormTrainsAndItsOnnxExportMatchesLibtorch()
    {
        var ml = new MLContext(1);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(MnistSubset.Train(ml, 400, labelsPerClass: 4));
        var train = keys.Transform(MnistSubset.Train(ml, 400, labelsPerClass: 4));
        var options = MnistSubset.TinyOptions(epochs: 2);
        options.VirtualBatchNormalization = true;
        using var model = ml.Gan.SemiSupervised(options).Fit(train);

        var alone = MnistSubset.Column(model.Generate(1, seed: 3), "Features")[0];
        var batch = MnistSubset.Column(model.Generate(20, seed: 3), "Features");
        for (int j = 0; j < alone.Length; j++)
            Assert.AreEqual(alone[j], batch[0][j], 1e-6, $"pixel {j}: a sample does not depend on its batch");

        string path = Path.Combine(Path.GetTempPath(), $"vbn-generator-{Guid.NewGuid():N}.onnx");
        model.SaveGeneratorOnnx(path);
        using var random = new Generator(3);
        using var z = rand([20, model.NoiseSize], generator: random);
        float[] noise = z.data<float>().ToArray();
        var schema = SchemaDefinition.Create(typeof(NoiseRow));
        schema[nameof(NoiseRow.Noise)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, model.NoiseSize);
        var rows = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 20).Select(i => new NoiseRow { Noise = noise.AsSpan(i * model.NoiseSize, model.NoiseSize).ToArray() }), schema);
        var onnx = MnistSubset.Column(ml.Transforms.ApplyOnnxModel("Features", "Noise", path).Fit(rows).Transform(rows), "Features");
        for (int i = 0; i < 20; i++)
        {
            for (int j = 0; j < onnx[i].Length; j++)
                Assert.AreEqual(batch[i][j], onnx[i][j], 1e-5, $"row {i}, pixel {j}");
        }
        File.Delete(path);
    }

    private sealed class NoiseRow
    {
        public float[] Noise { get; set; } = [];
    }
}
