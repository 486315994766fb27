using Microsoft.ML.Data;
using Microsoft.ML.Gan.Transformers;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Transforms.Onnx;

namespace Microsoft.ML.Gan.Tests;

/// <summary>The core estimator end to end on small MNIST subsets: accuracy, persistence, determinism, ONNX.</summary>
[TestClass]
public sealed class SemiSupervisedGanTests
{
    private const int TrainRows = 1000;
    private static ITransformer s_model = null!;
    private static SemiSupervisedGanTransformer s_gan = null!;
    private static TorchClassifier s_torch = null!;
    private static IDataView s_train = null!;
    private static IDataView s_test = null!;

    [ClassInitialize]
    public static void TrainTinyModel(TestContext _)
    {
        var ml = new MLContext(1);
        s_train = MnistSubset.Train(ml, TrainRows, labelsPerClass: 10);
        s_test = MnistSubset.Test(ml, 500);
        var trainer = ml.Gan.SemiSupervised(MnistSubset.TinyOptions(epochs: 2));
        trainer.TorchClassifierTrained = torch => s_torch = torch;
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label").Append(trainer);
        s_model = pipeline.Fit(s_train);
        s_gan = ((IEnumerable<ITransformer>)s_model).OfType<SemiSupervisedGanTransformer>().Single();
    }

    [TestMethod]
    public void TransformAddsScoreAndKeyPredictedLabelWithTheLabelsKeyValues()
    {
        var output = s_model.Transform(s_test);
        var score = output.Schema["Score"];
        var predicted = output.Schema["PredictedLabel"];
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 10), score.Type);
        Assert.IsInstanceOfType<KeyDataViewType>(predicted.Type);
        Assert.AreEqual(10UL, ((KeyDataViewType)predicted.Type).Count);
        var labelValues = default(VBuffer<float>);
        var predictedValues = default(VBuffer<float>);
        output.Schema["Label"].GetKeyValues(ref labelValues);
        predicted.GetKeyValues(ref predictedValues);
        CollectionAssert.AreEqual(labelValues.DenseValues().ToArray(), predictedValues.DenseValues().ToArray());
        foreach (var row in MnistSubset.Column(output, "Score"))
            Assert.AreEqual(1.0, row.Sum(), 1e-5);
    }

    [TestMethod]
    public void PredictedLabelIsTheArgmaxOfScoreOnEveryRow()
    {
        var output = s_model.Transform(s_test);
        var score = output.Schema["Score"];
        var predicted = output.Schema["PredictedLabel"];
        using var cursor = output.GetRowCursor([score, predicted]);
        var getScore = cursor.GetGetter<VBuffer<float>>(score);
        var getPredicted = cursor.GetGetter<uint>(predicted);
        var values = default(VBuffer<float>);
        uint key = 0;
        int rows = 0;
        while (cursor.MoveNext())
        {
            getScore(ref values);
            getPredicted(ref key);
            var probabilities = values.DenseValues().ToArray();
            Assert.AreEqual((uint)Array.IndexOf(probabilities, probabilities.Max()) + 1, key, $"row {rows}");
            rows++;
        }
        Assert.AreEqual(500, rows);
    }

    [TestMethod]
    public void SavedModelLoadsInAFreshContextAndPredictsTheSame()
    {
        var ml = new MLContext(2);
        string path = Path.Combine(Path.GetTempPath(), $"gan-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(s_model, s_train.Schema, path);
            var loaded = new MLContext().Model.Load(path, out var inputSchema);
            Assert.IsNotNull(inputSchema.GetColumnOrNull("Features"));
            var expected = MnistSubset.Column(s_model.Transform(s_test), "Score");
            var actual = MnistSubset.Column(loaded.Transform(s_test), "Score");
            Assert.HasCount(expected.Length, actual);
            for (int i = 0; i < expected.Length; i++)
                CollectionAssert.AreEqual(expected[i], actual[i]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void DisposingTheFittedAndTheLoadedModelDeletesTheirCopiesOfTheOnnxGraph()
    {
        string folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"gan-temp-{Guid.NewGuid():N}")).FullName;
        try
        {
            var ml = new MLContext(4) { TempFilePath = folder };
            var train = MnistSubset.Train(ml, 200, labelsPerClass: 5);
            var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Gan.SemiSupervised(MnistSubset.TinyOptions())).Fit(train);
            Assert.HasCount(1, Directory.GetFiles(folder), "OnnxTransformer's copy of the fitted model's graph");
            using var zip = new MemoryStream();
            ml.Model.Save(model, train.Schema, zip);
            zip.Position = 0;
            var loaded = ml.Model.Load(zip, out _);
            Assert.HasCount(2, Directory.GetFiles(folder), "and the loaded model's");

            ((IDisposable)loaded).Dispose();
            Assert.HasCount(1, Directory.GetFiles(folder));
            model.Dispose();
            Assert.IsEmpty(Directory.GetFiles(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void EvaluateAndPredictionEngineWorkOnTheLoadedModel()
    {
        var ml = new MLContext(3);
        var withValues = s_model.Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel").Fit(s_model.Transform(s_train)));
        string path = Path.Combine(Path.GetTempPath(), $"gan-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(withValues, s_train.Schema, path);
            var loaded = ml.Model.Load(path, out _);
            var metrics = ml.MulticlassClassification.Evaluate(loaded.Transform(s_test));
            Assert.IsGreaterThan(0.5, metrics.MicroAccuracy, $"accuracy {metrics.MicroAccuracy}");
            Assert.HasCount(10, metrics.PerClassLogLoss);

            var engine = ml.Model.CreatePredictionEngine<Digit, DigitPrediction>(loaded);
            var rows = ml.Data.CreateEnumerable<Digit>(s_test, reuseRowObject: false).Take(20).ToArray();
            var scored = withValues.Transform(s_test);
            var scores = MnistSubset.Column(scored, "Score");
            var keyValues = default(VBuffer<float>);
            s_model.Transform(s_test).Schema["PredictedLabel"].GetKeyValues(ref keyValues);
            var classValues = keyValues.DenseValues().ToArray();
            for (int i = 0; i < rows.Length; i++)
            {
                var prediction = engine.Predict(rows[i]);
                CollectionAssert.AreEqual(scores[i], prediction.Score);
                Assert.AreEqual(classValues[Array.IndexOf(prediction.Score, prediction.Score.Max())], prediction.PredictedLabel);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void SameSeedGivesIdenticalPredictions()
    {
        float[][] Train()
        {
            var ml = new MLContext(5);
            var model = ml.Transforms.Conversion.MapValueToKey("Label")
                .Append(ml.Gan.SemiSupervised(MnistSubset.TinyOptions(epochs: 1, seed: 11)))
                .Fit(MnistSubset.Train(ml, 500, labelsPerClass: 5));
            return MnistSubset.Column(model.Transform(MnistSubset.Test(ml, 100)), "Score");
        }
        var first = Train();
        var second = Train();
        for (int i = 0; i < first.Length; i++)
            CollectionAssert.AreEqual(first[i], second[i]);
    }

    [TestMethod]
    public void BatchedTransformRejectsAGetterOfTheWrongTypeOrOfAColumnNotRequested()
    {
        var output = s_gan.Transform(s_test);
        var score = output.Schema["Score"];
        using var cursor = output.GetRowCursor([score]);

        var wrongType = Assert.ThrowsExactly<InvalidOperationException>(() => cursor.GetGetter<float>(score));
        StringAssert.Contains(wrongType.Message, "'Score'");
        var notRequested = Assert.ThrowsExactly<InvalidOperationException>(() => cursor.GetGetter<float>(output.Schema["Label"]));
        StringAssert.Contains(notRequested.Message, "'Label'");
    }

    [TestMethod]
    public void BatchedScoringTakesItsOnnxRuntimeSettingsFromTheContext()
    {
        var ml = new MLContext(5);
        int sessions = 0;
        ml.SetOnnxSessionOption(new OnnxSessionOptions
        {
            CreateSessionOptions = () =>
            {
                sessions++;
                return new SessionOptions { IntraOpNumThreads = 1 };
            },
        });
        var rows = MnistSubset.Train(ml, 200, labelsPerClass: 2);
        var train = ml.Transforms.Conversion.MapValueToKey("Label").Fit(rows).Transform(rows);
        using var gan = ml.Gan.SemiSupervised(MnistSubset.TinyOptions()).Fit(train);
        int beforeScoring = sessions;

        var scores = MnistSubset.Column(gan.Transform(s_test), "Score");

        Assert.HasCount(500, scores);
        Assert.AreEqual(beforeScoring + 1, sessions, "the first Transform creates the batched session from the context's settings");
    }

    [TestMethod]
    public void TorchAndOnnxRuntimeAgreeOnScores()
    {
        var features = MnistSubset.Column(s_test, "Features").Take(64).ToArray();
        double largest = OnnxScoreAgreement.LargestDifference(s_gan, s_torch, features);
        Assert.IsLessThan(1e-5, largest, $"largest difference {largest}");
    }

    [TestMethod]
    public void SaveOnnxWritesAFileThatOnnxRuntimeLoads()
    {
        string path = Path.Combine(Path.GetTempPath(), $"gan-{Guid.NewGuid():N}.onnx");
        try
        {
            s_gan.SaveOnnx(path);
            using var session = new InferenceSession(path);
            CollectionAssert.AreEquivalent(new[] { "Features" }, session.InputMetadata.Keys.ToArray());
            Assert.IsTrue(session.OutputMetadata.ContainsKey("Score"));
            Assert.IsTrue(session.OutputMetadata.ContainsKey("PredictedLabel"));
            Assert.IsEmpty(Directory.GetFiles(Path.GetTempPath(), $".{Path.GetFileName(path)}.*"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void SaveOnnxAndMlganExportOnnxWriteTheSameGraph()
    {
        string directory = Directory.CreateTempSubdirectory("gan-onnx-").FullName;
        try
        {
            string model = Path.Combine(directory, "model.zip"), saved = Path.Combine(directory, "saved.onnx"), exported = Path.Combine(directory, "exported.onnx");
            new MLContext().Model.Save(s_model, s_train.Schema, model);
            s_gan.SaveOnnx(saved);
            int code = Cli.MlganCli.Run(["export-onnx", "--model", model, "--output", exported], TextWriter.Null, TextWriter.Null);
            Assert.AreEqual(0, code);
            CollectionAssert.AreEqual(File.ReadAllBytes(saved), File.ReadAllBytes(exported));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [TestMethod]
    public void TextLabelsComeBackAsTheSameTextAfterSaveAndLoad()
    {
        var ml = new MLContext(9);
        string[] names = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
        var rows = ml.Data.CreateEnumerable<Digit>(MnistSubset.Train(ml, 600, labelsPerClass: 5), reuseRowObject: false)
            .Select(d => new NamedDigit { Label = float.IsNaN(d.Label) ? "" : names[(int)d.Label], Features = d.Features })
            .ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Gan.SemiSupervised(MnistSubset.TinyOptions(epochs: 1)))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"))
            .Fit(data);
        string path = Path.Combine(Path.GetTempPath(), $"gan-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, data.Schema, path);
            var loaded = new MLContext().Model.Load(path, out _);
            var engine = ml.Model.CreatePredictionEngine<NamedDigit, NamedPrediction>(loaded);
            var labelValues = default(VBuffer<ReadOnlyMemory<char>>);
            ml.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data).Schema["Label"].GetKeyValues(ref labelValues);
            var classNames = labelValues.DenseValues().Select(v => v.ToString()).ToArray();
            CollectionAssert.AreEquivalent(names, classNames);
            foreach (var row in rows.Take(20))
            {
                var prediction = engine.Predict(row);
                Assert.AreEqual(classNames[Array.IndexOf(prediction.Score, prediction.Score.Max())], prediction.PredictedLabel);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void KeyLabelsWithoutValuesScoreThroughModelZipAndOnnx()
    {
        var ml = new MLContext(10);
        var rows = ml.Data.CreateEnumerable<Digit>(MnistSubset.Train(ml, 600, labelsPerClass: 5), reuseRowObject: false)
            .Select(d => new KeyDigit { Label = float.IsNaN(d.Label) ? 0 : (uint)d.Label + 1, Features = d.Features })
            .ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);
        var model = ml.Gan.SemiSupervised(MnistSubset.TinyOptions(epochs: 1)).Fit(data);
        string path = Path.Combine(Path.GetTempPath(), $"gan-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, data.Schema, path);
            var loaded = new MLContext().Model.Load(path, out _);
            var engine = ml.Model.CreatePredictionEngine<KeyDigit, KeyPrediction>(loaded);
            using var stream = new MemoryStream();
            model.SaveOnnx(stream);
            using var session = new InferenceSession(stream.ToArray());
            foreach (var row in rows.Take(20))
            {
                var prediction = engine.Predict(row);
                uint argmaxKey = (uint)Array.IndexOf(prediction.Score, prediction.Score.Max()) + 1;
                Assert.AreEqual(argmaxKey, prediction.PredictedLabel);
                using var results = session.Run([NamedOnnxValue.CreateFromTensor("Features", new DenseTensor<float>(row.Features, [1, 784]))]);
                Assert.AreEqual(argmaxKey, results.Single(r => r.Name == "PredictedLabel").AsTensor<uint>().Single(), "the graph's label values are the keys 1..K");
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    private sealed class KeyDigit
    {
        [KeyType(10)]
        public uint Label { get; set; }

        [VectorType(784)]
        public float[] Features { get; set; } = [];
    }

    private sealed class KeyPrediction
    {
        [KeyType(10)]
        public uint PredictedLabel { get; set; }

        public float[] Score { get; set; } = [];
    }

    private sealed class NamedDigit
    {
        public string Label { get; set; } = "";

        [VectorType(784)]
        public float[] Features { get; set; } = [];
    }

    private sealed class NamedPrediction
    {
        public string PredictedLabel { get; set; } = "";

        public float[] Score { get; set; } = [];
    }

    [TestMethod]
    public void EightThreadsWithTheirOwnEnginesScoreExactlyAsSerialScoring()
    {
        var ml = new MLContext(3);
        var rows = ml.Data.CreateEnumerable<Digit>(s_test, reuseRowObject: false).ToArray();
        var serialEngine = ml.Model.CreatePredictionEngine<Digit, ScoreOnly>(s_model);
        var serial = rows.Select(r => serialEngine.Predict(r).Score).ToArray();
        var concurrent = new float[rows.Length][];
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, worker =>
        {
            var engine = ml.Model.CreatePredictionEngine<Digit, ScoreOnly>(s_model);
            for (int repeat = 0; repeat < 5; repeat++)
            {
                for (int i = worker; i < rows.Length; i += 8)
                    concurrent[i] = engine.Predict(rows[i]).Score;
            }
        });
        for (int i = 0; i < rows.Length; i++)
            CollectionAssert.AreEqual(serial[i], concurrent[i], $"row {i}");
    }

    [TestMethod]
    public void BatchedTransformKeepsEveryInputColumnInStepWithTheRowByRowScoringOfTheLoadedModel()
    {
        var ml = new MLContext(4);
        var features = MnistSubset.Column(s_test, "Features");
        var rows = features.Select((f, i) => new TaggedDigit { Features = f, Name = $"row {i}", Index = i, Pixels = f[150..160] }).ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);
        using var stream = new MemoryStream();
        ml.Model.Save(s_gan, data.Schema, stream);
        stream.Position = 0;
        var stock = ml.Model.Load(stream, out _);

        var batched = ml.Data.CreateEnumerable<ScoredTaggedDigit>(s_gan.Transform(data), reuseRowObject: false).ToArray();
        var rowByRow = ml.Data.CreateEnumerable<ScoredTaggedDigit>(stock.Transform(data), reuseRowObject: false).ToArray();
        var inputOnly = ml.Data.CreateEnumerable<TaggedDigit>(s_gan.Transform(data), reuseRowObject: false).ToArray();

        Assert.HasCount(500, batched);
        Assert.HasCount(500, rowByRow);
        Assert.HasCount(500, inputOnly);
        for (int i = 0; i < rows.Length; i++)
        {
            Assert.AreEqual(rows[i].Name, batched[i].Name, $"row {i}");
            Assert.AreEqual(i, batched[i].Index);
            CollectionAssert.AreEqual(rows[i].Pixels, batched[i].Pixels, $"row {i}");
            CollectionAssert.AreEqual(rowByRow[i].Score, batched[i].Score, $"row {i}");
            Assert.AreEqual(rowByRow[i].PredictedLabel, batched[i].PredictedLabel, $"row {i}");
            Assert.AreEqual(rows[i].Name, inputOnly[i].Name);
            CollectionAssert.AreEqual(rows[i].Features, inputOnly[i].Features);
        }
    }

    private sealed class Digit
    {
        public float Label { get; set; }

        [VectorType(784)]
        public float[] Features { get; set; } = [];
    }

    private sealed class DigitPrediction
    {
        public float PredictedLabel { get; set; }

        public float[] Score { get; set; } = [];
    }

    private sealed class ScoreOnly
    {
        public float[] Score { get; set; } = [];
    }

    private class TaggedDigit
    {
        [VectorType(784)]
        public float[] Features { get; set; } = [];

        public string Name { get; set; } = "";

        public int Index { get; set; }

        [VectorType(10)]
        public float[] Pixels { get; set; } = [];
    }

    private sealed class ScoredTaggedDigit : TaggedDigit
    {
        public uint PredictedLabel { get; set; }

        public float[] Score { get; set; } = [];
    }
}
