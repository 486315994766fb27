using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Tests;

/// <summary>Bad training data and options are rejected before training with an exception that names the column, option or value.</summary>
[TestClass]
public sealed class BadInputTests
{
    private static readonly MLContext Ml = new(1);

    [TestMethod]
    public void NoLabeledRowsIsRejected()
    {
        var keys = Ml.Data.LoadFromEnumerable(new[] { new KeyValue { Value = 0 }, new KeyValue { Value = 1 } });
        var data = Ml.Transforms.Conversion.MapValueToKey("Label", keyData: keys)
            .Fit(Rows(_ => float.NaN)).Transform(Rows(_ => float.NaN));
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => Ml.Gan.SemiSupervised(MnistSubset.TinyOptions()).Fit(data));
        StringAssert.Contains(e.Message, "'Label' has no labeled rows");
    }

    [TestMethod]
    public void ASingleClassIsRejected()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => FitWithKeys(Rows(i => i % 3 == 0 ? 3 : float.NaN)));
        StringAssert.Contains(e.Message, "'Label' has 1 classes");
    }

    [TestMethod]
    public void LabeledRowsOfASingleClassAreRejectedEvenWhenTheKeyHasMore()
    {
        var keys = Ml.Data.LoadFromEnumerable(new[] { new KeyValue { Value = 0 }, new KeyValue { Value = 1 } });
        var data = Ml.Transforms.Conversion.MapValueToKey("Label", keyData: keys)
            .Fit(Rows(_ => 1)).Transform(Rows(i => i % 2 == 0 ? 1 : float.NaN));
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => Ml.Gan.SemiSupervised(MnistSubset.TinyOptions()).Fit(data));
        StringAssert.Contains(e.Message, "single class");
    }

    [TestMethod]
    public void AVariableLengthFeatureColumnIsRejected()
    {
        var data = Ml.Data.LoadFromEnumerable(Enumerable.Range(0, 100).Select(i => new VariableRow { Label = i % 2, Features = [i, 1] }));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => FitWithKeys(data));
        StringAssert.Contains(e.Message, "'Features'");
        StringAssert.Contains(e.Message, "known size");
    }

    [TestMethod]
    public void AScalarFeatureColumnIsRejected()
    {
        var data = Ml.Data.LoadFromEnumerable(Enumerable.Range(0, 100).Select(i => new ScalarRow { Label = i % 2, Features = i }));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => FitWithKeys(data));
        StringAssert.Contains(e.Message, "'Features'");
    }

    [TestMethod]
    public void ALabelThatIsNotAKeyIsRejected()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Ml.Gan.SemiSupervised(MnistSubset.TinyOptions()).Fit(Rows(i => i % 2)));
        StringAssert.Contains(e.Message, "'Label'");
        StringAssert.Contains(e.Message, "MapValueToKey");
    }

    [TestMethod]
    public void NaNFeaturesAreRejectedNamingTheRowAndSlot()
    {
        var rows = Enumerable.Range(0, 100).Select(i => new Row { Label = i % 2, Features = [i, 1, 0, 0] }).ToArray();
        rows[42].Features[2] = float.NaN;
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => FitWithKeys(Ml.Data.LoadFromEnumerable(rows)));
        StringAssert.Contains(e.Message, "'Features'");
        StringAssert.Contains(e.Message, "row 42, slot 2");
    }

    [TestMethod]
    public void AMissingColumnIsRejectedNamingIt()
    {
        var options = MnistSubset.TinyOptions();
        options.FeatureColumnName = "Pixels";
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => FitWithKeys(Rows(i => i % 2), options));
        StringAssert.Contains(e.Message, "'Pixels' not found");
    }

    [TestMethod]
    public void EmptyDataIsRejected()
    {
        var keyed = Ml.Transforms.Conversion.MapValueToKey("Label").Fit(Rows(i => i % 2));
        var empty = keyed.Transform(Ml.Data.LoadFromEnumerable(Array.Empty<Row>()));
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => Ml.Gan.SemiSupervised(MnistSubset.TinyOptions()).Fit(empty));
        StringAssert.Contains(e.Message, "no rows");
    }

    [TestMethod]
    public void NonPositiveOptionsAreRejectedNamingTheOption()
    {
        var options = MnistSubset.TinyOptions();
        options.BatchSize = 0;
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Ml.Gan.SemiSupervised(options));
        Assert.AreEqual("BatchSize", e.ParamName);
        options = MnistSubset.TinyOptions();
        options.LearningRate = double.NaN;
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Ml.Gan.SemiSupervised(options));
        Assert.AreEqual("LearningRate", e.ParamName);
        options = MnistSubset.TinyOptions();
        options.LearningRateDecayEpochs = -1;
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Ml.Gan.SemiSupervised(options));
        Assert.AreEqual("LearningRateDecayEpochs", e.ParamName);
    }

    [TestMethod]
    public void ABatchLargerThanTheDataIsRejected()
    {
        var options = MnistSubset.TinyOptions();
        options.BatchSize = 500;
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => FitWithKeys(Rows(i => i % 2), options));
        StringAssert.Contains(e.Message, "BatchSize 500 is larger than the 100 rows");
    }

    [TestMethod]
    public void InfiniteFeaturesAreRejectedNamingTheRowAndSlot()
    {
        var data = Ml.Data.LoadFromEnumerable(Enumerable.Range(0, 100).Select(i => new Row { Label = i % 2, Features = [i == 42 ? float.PositiveInfinity : 0, 1, 0, 0] }));
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => FitWithKeys(data));
        StringAssert.Contains(e.Message, "value Infinity at row 42, slot 0");
    }

    [TestMethod]
    public void ADoubleVectorFeatureColumnIsRejected()
    {
        var data = Ml.Data.LoadFromEnumerable(Enumerable.Range(0, 100).Select(i => new DoubleRow { Label = i % 2, Features = [i, 1, 2, 3] }));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => FitWithKeys(data));
        StringAssert.Contains(e.Message, "expected a vector of Single of known size");
    }

    [TestMethod]
    public void AnEmptyHiddenLayerListIsRejectedNamingTheOption()
    {
        var options = MnistSubset.TinyOptions();
        options.DiscriminatorHiddenSizes = [];
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Ml.Gan.SemiSupervised(options));
        Assert.AreEqual("DiscriminatorHiddenSizes", e.ParamName);
    }

    [TestMethod]
    public void AZeroStreamingBufferIsRejectedNamingTheOption()
    {
        var options = MnistSubset.TinyOptions();
        options.StreamingShuffleBufferSize = 0;
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Ml.Gan.SemiSupervised(options));
        Assert.AreEqual("StreamingShuffleBufferSize", e.ParamName);
    }

    [TestMethod]
    public void ValidationDataWithAnotherFeatureLengthIsRejected()
    {
        var keys = Ml.Transforms.Conversion.MapValueToKey("Label").Fit(Rows(i => i % 2));
        var validation = keys.Transform(Ml.Data.LoadFromEnumerable(Enumerable.Range(0, 10).Select(i => new WideRow { Label = i % 2, Features = new float[6] })));
        var e = Assert.ThrowsExactly<ArgumentException>(() => Ml.Gan.SemiSupervised(MnistSubset.TinyOptions()).Fit(keys.Transform(Rows(i => i % 2)), validation));
        StringAssert.Contains(e.Message, "Validation data has 6 features and 2 classes; the training data has 4 and 2");
    }

    [TestMethod]
    public void AValidationLabelNeverSeenInTrainingIsRejected()
    {
        var train = Ml.Transforms.Conversion.MapValueToKey("Label").Fit(Rows(i => i % 2)).Transform(Rows(i => i % 2));
        var validation = Ml.Transforms.Conversion.MapValueToKey("Label").Fit(Rows(i => i % 3)).Transform(Rows(i => i % 3));
        var e = Assert.ThrowsExactly<ArgumentException>(() => Ml.Gan.SemiSupervised(MnistSubset.TinyOptions()).Fit(train, validation));
        StringAssert.Contains(e.Message, "3 classes; the training data has 4 and 2");
    }

    [TestMethod]
    public void ValidationLabelValuesThatDifferFromTrainingsWithTheSameCountAreRejected()
    {
        var train = Ml.Transforms.Conversion.MapValueToKey("Label").Fit(Rows(i => i % 2)).Transform(Rows(i => i % 2));
        var otherValues = Ml.Transforms.Conversion.MapValueToKey("Label").Fit(Rows(i => 5 + i % 2)).Transform(Rows(i => 5 + i % 2));
        var e = Assert.ThrowsExactly<ArgumentException>(() => Ml.Gan.SemiSupervised(MnistSubset.TinyOptions()).Fit(train, otherValues));
        StringAssert.Contains(e.Message, "Validation label column 'Label' has the values (5, 6) in key order; the training data has (0, 1).");

        // The same values in another key order would swap the classes: also rejected.
        var reordered = Ml.Transforms.Conversion.MapValueToKey("Label").Fit(Rows(i => 1 - i % 2)).Transform(Rows(i => i % 2));
        e = Assert.ThrowsExactly<ArgumentException>(() => Ml.Gan.SemiSupervised(MnistSubset.TinyOptions()).Fit(train, reordered));
        StringAssert.Contains(e.Message, "has the values (1, 0) in key order; the training data has (0, 1).");

        var sameMapping = Ml.Transforms.Conversion.MapValueToKey("Label").Fit(Rows(i => i % 2)).Transform(Rows(i => 1 - i % 2));
        using var model = Ml.Gan.SemiSupervised(MnistSubset.TinyOptions()).Fit(train, sameMapping);
    }

    private static ITransformer FitWithKeys(IDataView data, SemiSupervisedGanTrainer.Options? options = null) =>
        Ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(Ml.Gan.SemiSupervised(options ?? MnistSubset.TinyOptions()))
            .Fit(data);

    private static IDataView Rows(Func<int, float> label) =>
        Ml.Data.LoadFromEnumerable(Enumerable.Range(0, 100).Select(i => new Row { Label = label(i), Features = [i % 2, 1 - i % 2, i % 5 / 4f, i / 100f] }));

    private sealed class Row
    {
        public float Label { get; set; }

        [VectorType(4)]
        public float[] Features { get; set; } = [];
    }

    private sealed class DoubleRow
    {
        public float Label { get; set; }

        [VectorType(4)]
        public double[] Features { get; set; } = [];
    }

    private sealed class WideRow
    {
        public float Label { get; set; }

        [VectorType(6)]
        public float[] Features { get; set; } = [];
    }

    private sealed class VariableRow
    {
        public float Label { get; set; }

        public float[] Features { get; set; } = [];
    }

    private sealed class ScalarRow
    {
        public float Label { get; set; }

        public float Features { get; set; }
    }

    private sealed class KeyValue
    {
        public float Value { get; set; }
    }
}
