using Microsoft.ML.Data;
using Microsoft.ML.Gan.Data;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Tests;

/// <summary>Streaming the unlabeled rows through a shuffle buffer instead of holding them in memory.</summary>
[TestClass]
public sealed class StreamingTests
{
    private sealed class Row
    {
        [VectorType(2)]
        public float[] Features { get; set; } = [];
    }

    [TestMethod]
    public void ShuffleBufferVisitsEveryRowOncePerEpochInAShuffledOrder()
    {
        var ml = new MLContext(1);
        const int rows = 1000;
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, rows).Select(i => new Row { Features = [i, -i] }));
        using var random = new Generator(5);
        using var stream = new ShuffleBufferRows(data, data.Schema["Features"], 2, capacity: 64, random, CPU);
        for (int epoch = 0; epoch < 2; epoch++)
        {
            stream.BeginEpoch();
            var seen = new List<float>();
            for (int step = 0; step < rows / 50; step++)
            {
                using var batch = stream.Next(50);
                var values = batch.data<float>().ToArray();
                for (int i = 0; i < 50; i++)
                {
                    Assert.AreEqual(-values[2 * i], values[2 * i + 1], "rows are copied whole");
                    seen.Add(values[2 * i]);
                }
            }
            CollectionAssert.AreEquivalent(Enumerable.Range(0, rows).Select(i => (float)i).ToArray(), seen.ToArray(), "each row exactly once");
            int inPlace = seen.Select((v, i) => v == i ? 1 : 0).Sum();
            Assert.IsLessThan(50, inPlace, "the order is shuffled");
        }
    }

    [TestMethod]
    public void StreamingKeepsOnlyLabeledRowsInMemory()
    {
        var ml = new MLContext(1);
        var train = ml.Transforms.Conversion.MapValueToKey("Label").Fit(MnistSubset.Train(ml, 500, labelsPerClass: 3))
            .Transform(MnistSubset.Train(ml, 500, labelsPerClass: 3));
        var columns = SemiSupervisedColumns.Find(train.Schema, "Features", "Label");
        using var all = SemiSupervisedData.Read(train, columns, requireLabels: true);
        using var labeledOnly = SemiSupervisedData.Read(train, columns, requireLabels: true, labeledRowsOnly: true);

        Assert.AreEqual(500L, all.Features.shape[0]);
        Assert.AreEqual(30L, labeledOnly.Features.shape[0]);
        Assert.AreEqual(500L, labeledOnly.RowCount);
        using var fromAll = all.Features.index_select(0, all.LabeledIndices);
        using var fromLabeled = labeledOnly.Features.index_select(0, labeledOnly.LabeledIndices);
        Assert.IsTrue(fromAll.eq(fromLabeled).all().item<bool>(), "the same labeled rows in the same order");
        Assert.IsTrue(all.LabeledClasses.eq(labeledOnly.LabeledClasses).all().item<bool>());
    }

    [TestMethod]
    public void StreamingTrainsAsWellAsInMemoryAndIsDeterministic()
    {
        var ml = new MLContext(1);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(MnistSubset.Train(ml, 2000, labelsPerClass: 10));
        var train = keys.Transform(MnistSubset.Train(ml, 2000, labelsPerClass: 10));
        var test = keys.Transform(MnistSubset.Test(ml, 1000));

        double Accuracy(int? buffer, out float[][] scores)
        {
            var options = MnistSubset.TinyOptions(epochs: 4);
            options.StreamingShuffleBufferSize = buffer;
            using var model = ml.Gan.SemiSupervised(options).Fit(train);
            var scored = model.Transform(test);
            scores = MnistSubset.Column(scored, "Score");
            return ml.MulticlassClassification.Evaluate(scored).MicroAccuracy;
        }

        double inMemory = Accuracy(null, out _);
        double streamed = Accuracy(500, out var first);
        Accuracy(500, out var second);

        Assert.IsGreaterThan(0.5, streamed, $"streamed accuracy {streamed:P1} must be far above chance (10%)");
        Assert.IsGreaterThan(inMemory - 0.08, streamed, $"streamed {streamed:P1} vs in memory {inMemory:P1}");
        for (int i = 0; i < first.Length; i++)
            CollectionAssert.AreEqual(first[i], second[i], $"row {i}: same seed, same streamed model");
    }
}
