using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Gan.Tests;

/// <summary>ScoreColumnName and PredictedLabelColumnName: honoured by every scoring path, and validated.</summary>
[TestClass]
public sealed class OutputColumnNameTests
{
    private const string ScoreName = "Probabilities";
    private const string PredictedName = "Digit";
    private const string StockScore = "Score";
    private const string StockPredictedLabel = "PredictedLabel";

    [TestMethod]
    public void CustomNamesReachTransformModelZipPredictionEngineEvaluationAndOnnx()
    {
        var ml = new MLContext(3);
        var train = MnistSubset.Train(ml, 600, labelsPerClass: 5);
        var test = MnistSubset.Test(ml, 200);
        var options = MnistSubset.TinyOptions();
        options.ScoreColumnName = ScoreName;
        options.PredictedLabelColumnName = PredictedName;
        var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Gan.SemiSupervised(options)).Fit(train);
        AssertOutputs(model.GetOutputSchema(test.Schema));

        var scored = model.Transform(test);
        AssertOutputs(scored.Schema);
        var metrics = ml.MulticlassClassification.Evaluate(scored, scoreColumnName: ScoreName, predictedLabelColumnName: PredictedName);

        string directory = Directory.CreateTempSubdirectory("gan-names-").FullName;
        try
        {
            string path = Path.Combine(directory, "model.zip");
            ml.Model.Save(model, train.Schema, path);
            var fresh = new MLContext(4);
            var loaded = fresh.Model.Load(path, out _);
            var reloaded = loaded.Transform(test);
            AssertOutputs(reloaded.Schema);
            var loadedMetrics = fresh.MulticlassClassification.Evaluate(reloaded, scoreColumnName: ScoreName, predictedLabelColumnName: PredictedName);
            Assert.AreEqual(metrics.MicroAccuracy, loadedMetrics.MicroAccuracy);
            Assert.AreEqual(metrics.LogLoss, loadedMetrics.LogLoss, 1e-6);
            var fitted = MnistSubset.Column(scored, ScoreName);
            var fromZip = MnistSubset.Column(reloaded, ScoreName);
            for (int i = 0; i < fitted.Length; i++)
                CollectionAssert.AreEqual(fitted[i], fromZip[i], $"row {i}");

            var engine = fresh.Model.CreatePredictionEngine<Digit, NamedOutputs>(loaded);
            var first = fresh.Data.CreateEnumerable<Digit>(test, reuseRowObject: false).First();
            var prediction = engine.Predict(first);
            CollectionAssert.AreEqual(fitted[0], prediction.Probabilities);
            Assert.AreEqual(Array.IndexOf(fitted[0], fitted[0].Max()) + 1, (int)prediction.Digit, "Digit holds the key of the most probable class");

            string onnx = Path.Combine(directory, "model.onnx");
            ((IEnumerable<ITransformer>)model).OfType<SemiSupervisedGanTransformer>().Single().SaveOnnx(onnx);
            using var session = new InferenceSession(onnx);
            Assert.IsTrue(session.OutputMetadata.ContainsKey(ScoreName) && session.OutputMetadata.ContainsKey(PredictedName));
            Assert.IsFalse(session.OutputMetadata.ContainsKey("Score") || session.OutputMetadata.ContainsKey("PredictedLabel"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [TestMethod]
    public void InputColumnsNamedScoreAndPredictedLabelAreKeptByTheLoadedModelWithCustomNames()
    {
        var ml = new MLContext(3);
        var stockNames = ml.Transforms.CopyColumns(StockScore, "Label").Append(ml.Transforms.CopyColumns(StockPredictedLabel, "Label"));
        var rawTrain = MnistSubset.Train(ml, 600, labelsPerClass: 5);
        var withStockNames = stockNames.Fit(rawTrain);
        var train = withStockNames.Transform(rawTrain);
        var test = withStockNames.Transform(MnistSubset.Test(ml, 100));
        float[] digits = test.GetColumn<float>("Label").ToArray();
        Assert.AreEqual(10, digits.Distinct().Count(), "the input columns hold the ten digits, not values a score could also take");
        var options = MnistSubset.TinyOptions();
        options.ScoreColumnName = ScoreName;
        options.PredictedLabelColumnName = PredictedName;
        var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Gan.SemiSupervised(options)).Fit(train);
        var scored = model.Transform(test);
        AssertInputsKept(scored, digits, "the fitted model");
        Assert.AreEqual(NumberDataViewType.Single, model.GetOutputSchema(test.Schema).GetColumnOrNull(StockScore)?.Type, "the fitted model's output schema");

        string directory = Directory.CreateTempSubdirectory("gan-names-").FullName;
        try
        {
            string path = Path.Combine(directory, "model.zip");
            ml.Model.Save(model, train.Schema, path);
            var loaded = new MLContext(4).Model.Load(path, out _);
            var reloaded = loaded.Transform(test);
            AssertInputsKept(reloaded, digits, "the loaded model");
            var fitted = MnistSubset.Column(scored, ScoreName);
            var fromZip = MnistSubset.Column(reloaded, ScoreName);
            for (int i = 0; i < fitted.Length; i++)
                CollectionAssert.AreEqual(fitted[i], fromZip[i], $"row {i}");
            CollectionAssert.AreEqual(scored.GetColumn<uint>(PredictedName).ToArray(), reloaded.GetColumn<uint>(PredictedName).ToArray());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [TestMethod]
    [DataRow("", "PredictedLabel")]
    [DataRow("Score", " ")]
    [DataRow("Out", "Out")]
    public void EmptyOrEqualOutputNamesAreRejected(string score, string predicted)
    {
        var options = MnistSubset.TinyOptions();
        options.ScoreColumnName = score;
        options.PredictedLabelColumnName = predicted;
        Assert.ThrowsExactly<ArgumentException>(() => new MLContext().Gan.SemiSupervised(options));
    }

    private static void AssertInputsKept(IDataView data, float[] digits, string model)
    {
        AssertOutputsNamed(data.Schema);
        foreach (string name in new[] { StockScore, StockPredictedLabel })
        {
            Assert.AreEqual(NumberDataViewType.Single, data.Schema.GetColumnOrNull(name)?.Type, $"{model}: the input column {name}");
            CollectionAssert.AreEqual(digits, data.GetColumn<float>(name).ToArray(), $"{model}: the values of the input column {name}");
        }
    }

    private static void AssertOutputsNamed(DataViewSchema schema)
    {
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 10), schema[ScoreName].Type);
        Assert.IsInstanceOfType<KeyDataViewType>(schema[PredictedName].Type);
    }

    private static void AssertOutputs(DataViewSchema schema)
    {
        AssertOutputsNamed(schema);
        Assert.IsNull(schema.GetColumnOrNull("Score"));
        Assert.IsNull(schema.GetColumnOrNull("PredictedLabel"));
    }

    private sealed class Digit
    {
        public float Label { get; set; }

        [VectorType(784)]
        public float[] Features { get; set; } = [];
    }

    private sealed class NamedOutputs
    {
        public float[] Probabilities { get; set; } = [];

        public uint Digit { get; set; }
    }
}
