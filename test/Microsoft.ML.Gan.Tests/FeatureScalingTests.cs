using Microsoft.ML.Data;
using Microsoft.ML.Gan.Transformers;
using Microsoft.ML.Runtime;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.Gan.Tests;

/// <summary>
/// FeatureScaling: tabular rows are standardised inside the trainer (so their scale does not matter, and the exported
/// model and model.zip take the raw numbers), pixel data is left alone, and bad columns are named.
/// </summary>
[TestClass]
public sealed class FeatureScalingTests
{
    private const int Features = 6;

    /// <summary>Per-slot scales and offsets of the synthetic table: from 1e-3 to 1e4, as raw tabular columns differ.</summary>
    private static readonly float[] Scale = [0.001f, 1f, 30f, 500f, 10_000f, 2f];
    private static readonly float[] Offset = [0f, -5f, 100f, 2_000f, -50_000f, 0.5f];

    /// <summary>
    /// Three Gaussian classes in 6 dimensions (means 2 apart, unit spread), each slot then scaled and shifted: 600 rows,
    /// 5 labeled per class, the rest unlabeled; 300 test rows.
    /// </summary>
    private static (TableRow[] Train, TableRow[] Test) Table(Func<int, float, float> transform)
    {
        var random = new Random(3);
        TableRow Row(int c, bool labeled)
        {
            var x = new float[Features];
            for (int s = 0; s < Features; s++)
            {
                double normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                double center = s % 3 == c ? 2.0 : 0.0;
                x[s] = transform(s, (float)((center + normal) * Scale[s] + Offset[s]));
            }
            return new TableRow { Features = x, Label = labeled ? $"class{c}" : "" };
        }
        var train = Enumerable.Range(0, 600).Select(i => Row(i % 3, i < 15)).ToArray();
        var test = Enumerable.Range(0, 300).Select(i => Row(i % 3, true)).ToArray();
        return (train, test);
    }

    /// <summary>The raw table's fit with the default (Auto) scaling, shared by the tests that only read it.</summary>
    private static readonly Lazy<(TableRow[] Train, TableRow[] Test, (ITransformer Model, SemiSupervisedGanTransformer Gan, TorchClassifier Torch, double Error, float[][] Scores) Fit)> Raw = new(() =>
    {
        var (train, test) = Table((_, v) => v);
        return (train, test, Fit(new MLContext(1), train, test, Options()));
    });

    private static IDataView View(MLContext ml, TableRow[] rows)
    {
        var schema = SchemaDefinition.Create(typeof(TableRow));
        schema[nameof(TableRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, Features);
        return ml.Data.LoadFromEnumerable(rows, schema);
    }

    private static SemiSupervisedGanTrainer.Options Options(FeatureScaling scaling = FeatureScaling.Auto)
    {
        var options = SemiSupervisedGanTrainer.Options.ForTabular(600);
        options.MaxEpoch = 10;
        options.EnsembleSize = 1;
        options.BatchSize = 50;
        options.Seed = 5;
        options.DiscriminatorHiddenSizes = [64, 64];
        options.GeneratorHiddenSizes = [64];
        options.NoiseSize = 16;
        options.FeatureScaling = scaling;
        return options;
    }

    /// <summary>Fits, scores <paramref name="test"/>; Torch is the fit's discriminators on libtorch.</summary>
    private static (ITransformer Model, SemiSupervisedGanTransformer Gan, TorchClassifier Torch, double Error, float[][] Scores) Fit(MLContext ml, TableRow[] train, TableRow[] test,
        SemiSupervisedGanTrainer.Options options)
    {
        TorchClassifier? torch = null;
        var trainer = ml.Gan.SemiSupervised(options);
        trainer.TorchClassifierTrained = t => torch = t;
        var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(trainer).Fit(View(ml, train));
        var scored = model.Transform(View(ml, test));
        double error = 1 - ml.MulticlassClassification.Evaluate(scored).MicroAccuracy;
        return (model, model.LastTransformer, torch!, error, MnistSubset.Column(scored, "Score"));
    }

    [TestMethod]
    public void RawMinMaxAndStandardisedColumnsTrainAlike()
    {
        var ml = new MLContext(1);
        var (rawTrain, _, raw) = Raw.Value;
        var min = Enumerable.Range(0, Features).Select(s => rawTrain.Min(r => r.Features[s])).ToArray();
        var max = Enumerable.Range(0, Features).Select(s => rawTrain.Max(r => r.Features[s])).ToArray();
        var (minMaxTrain, minMaxTest) = Table((s, v) => (v - min[s]) / (max[s] - min[s]));
        var minMax = Fit(ml, minMaxTrain, minMaxTest, Options());
        using (minMax.Gan)
        using (minMax.Torch)
        {
            // Standardised, both tables are the same numbers up to float rounding; the classes are 2 standard deviations
            // apart, so 15 labels and the unlabeled rows give well under 20% error.
            Assert.IsTrue(raw.Error < 0.2, $"raw error {raw.Error:P1}");
            Assert.AreEqual(raw.Error, minMax.Error, 0.02, $"raw {raw.Error:P1}, min-max {minMax.Error:P1}");
            int agree = raw.Scores.Zip(minMax.Scores).Count(p => Array.IndexOf(p.First, p.First.Max()) == Array.IndexOf(p.Second, p.Second.Max()));
            Assert.IsTrue(agree >= 0.97 * raw.Scores.Length, $"{agree} of {raw.Scores.Length} predictions agree");
        }
    }

    [TestMethod]
    public void WithoutStandardisationTheRawScaleFails()
    {
        // The reason for the option: the same raw table with FeatureScaling = None is far worse than standardised.
        var (train, test, standardised) = Raw.Value;
        var none = Fit(new MLContext(1), train, test, Options(FeatureScaling.None));
        using (none.Gan)
        using (none.Torch)
            Assert.IsTrue(none.Error > standardised.Error + 0.15, $"None {none.Error:P1}, standardised {standardised.Error:P1}");
    }

    [TestMethod]
    public void ExportedOnnxAndReloadedModelZipTakeRawFeatures()
    {
        var ml = new MLContext(1);
        var (train, test, fit) = Raw.Value;
        var gan = fit.Gan;
        var rows = test.Take(50).Select(r => r.Features).ToArray();
        Assert.IsTrue(OnnxScoreAgreement.LargestDifference(gan, fit.Torch, rows) < 1e-4);

        string path = Path.Combine(Directory.CreateTempSubdirectory("mlgan-scaling-").FullName, "model.zip");
        ml.Model.Save(fit.Model, View(ml, train).Schema, path);
        var loaded = ml.Model.Load(path, out _);
        var reloadedScores = MnistSubset.Column(loaded.Transform(View(ml, test.Take(50).ToArray())), "Score");
        var torchScores = fit.Torch.Score(rows);
        for (int i = 0; i < rows.Length; i++)
            for (int k = 0; k < gan.ClassCount; k++)
                Assert.AreEqual(torchScores[i][k], reloadedScores[i][k], 1e-4);
    }

    [TestMethod]
    public void GeneratedRowsAreInTheFeaturesUnitsAndTheGeneratorOnnxAgrees()
    {
        var (train, _, fit) = Raw.Value;
        var gan = fit.Gan;
        var samples = MnistSubset.Column(gan.Generate(500, seed: 2), "Features");
        for (int s = 0; s < Features; s++)
        {
            double mean = train.Average(r => r.Features[s]);
            double std = Math.Sqrt(train.Average(r => (r.Features[s] - mean) * (r.Features[s] - mean)));
            double sampleMean = samples.Average(r => r[s]);
            // Sigmoid samples could not leave [0, 1]; these must land near the slot's own mean (within 2 of its std).
            Assert.AreEqual(mean, sampleMean, 2 * std, $"slot {s}: data mean {mean}, sample mean {sampleMean}");
        }

        string path = Path.Combine(Directory.CreateTempSubdirectory("mlgan-scaling-").FullName, "generator.onnx");
        gan.SaveGeneratorOnnx(path);
        using var session = new InferenceSession(path);
        var z = new DenseTensor<float>(Enumerable.Range(0, 4 * gan.NoiseSize).Select(i => (i % 7) / 7f).ToArray(), [4, gan.NoiseSize]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("Noise", z)]);
        var generated = results.First().AsTensor<float>().ToArray();
        double largest = generated.Max(Math.Abs);
        Assert.IsTrue(largest > 10, $"largest generated value {largest}: the ONNX generator must map back to the features' units (slot 4 spans ±50,000)");
    }

    [TestMethod]
    public void AutoLeavesMnistPixelsAloneAndScoresExactlyAsNone()
    {
        var ml = new MLContext(1);
        var train = MnistSubset.Train(ml, 300, labelsPerClass: 5);
        var test = MnistSubset.Test(ml, 100);
        float[][] Scores(FeatureScaling scaling)
        {
            var options = MnistSubset.TinyOptions();
            options.FeatureScaling = scaling;
            var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Gan.SemiSupervised(options)).Fit(train);
            using var gan = model.LastTransformer;
            return MnistSubset.Column(model.Transform(test), "Score");
        }
        var auto = Scores(FeatureScaling.Auto);
        var none = Scores(FeatureScaling.None);
        for (int i = 0; i < auto.Length; i++)
            CollectionAssert.AreEqual(none[i], auto[i], $"row {i}");
    }

    [TestMethod]
    public void StreamedRowsAreStandardisedToo()
    {
        // Streaming keeps only the labeled rows in memory: the statistics come from a pass over the data view, and the
        // shuffle buffer's batches are standardised on the way; the raw scale must not break training.
        var (train, test, inMemory) = Raw.Value;
        var options = Options();
        options.StreamingShuffleBufferSize = 600;
        var streamed = Fit(new MLContext(1), train, test, options);
        using (streamed.Gan)
        using (streamed.Torch)
            Assert.AreEqual(inMemory.Error, streamed.Error, 0.1, $"streamed {streamed.Error:P1}, in memory {inMemory.Error:P1}");
    }

    [TestMethod]
    public void AutoLeavesBinaryColumnsAloneAndStandardizesTheRest()
    {
        // Binary (one-hot) columns keep the sigmoid generator and their 0/1 values; any other value makes Auto standardise.
        var ml = new MLContext(1);
        var (train, test) = Table((_, v) => v > 0 ? 1f : 0f);
        var binary = Fit(ml, train, test, Options());
        var none = Fit(ml, train, test, Options(FeatureScaling.None));
        using (binary.Gan)
        using (binary.Torch)
        using (none.Gan)
        using (none.Torch)
        {
            for (int i = 0; i < binary.Scores.Length; i++)
                CollectionAssert.AreEqual(none.Scores[i], binary.Scores[i], $"row {i}");
            var samples = MnistSubset.Column(binary.Gan.Generate(100), "Features");
            Assert.IsTrue(samples.All(r => r.All(v => v >= 0 && v <= 1)), "a sigmoid generator");
        }
    }

    [TestMethod]
    [DataRow(FeatureScaling.Auto)]
    [DataRow(FeatureScaling.Standardize)]
    public void AConstantSlotTrainsIsIgnoredWhenScoringAndIsWarnedAbout(FeatureScaling scaling)
    {
        // As ML.NET's NormalizeMeanVariance, a slot with one value in every training row is standardised to 0: the
        // model trains on the other slots, scores alike whatever that slot holds, and generates the training value.
        var ml = new MLContext(1);
        var warnings = new List<string>();
        ml.Log += (_, e) =>
        {
            if (e.Kind == ChannelMessageKind.Warning && e.RawMessage.Contains("'Features'", StringComparison.Ordinal))
                lock (warnings)
                    warnings.Add(e.RawMessage);
        };
        var (train, test) = Table((s, v) => s == 2 ? 7f : v);
        var fit = Fit(ml, train, test, Options(scaling));
        using (fit.Gan)
        using (fit.Torch)
        {
            Assert.HasCount(1, warnings, string.Join("\n", warnings));
            StringAssert.StartsWith(warnings[0], "Feature column 'Features' has the same value in every training row in slot 2 (7): ");

            // Slot 5 still separates class 2, so the other slots give well under 25% error.
            Assert.IsLessThan(0.25, fit.Error, $"error {fit.Error:P1}");
            var moved = test.Select(r => new TableRow { Label = r.Label, Features = r.Features.Select((v, s) => s == 2 ? 7_000f : v).ToArray() }).ToArray();
            var movedScores = MnistSubset.Column(fit.Model.Transform(View(ml, moved)), "Score");
            for (int i = 0; i < test.Length; i++)
                CollectionAssert.AreEqual(fit.Scores[i], movedScores[i], $"row {i}: slot 2 is ignored when scoring");
            Assert.IsTrue(OnnxScoreAgreement.LargestDifference(fit.Gan, fit.Torch, moved.Take(50).Select(r => r.Features).ToArray()) < 1e-4);

            var samples = MnistSubset.Column(fit.Gan.Generate(100, seed: 2), "Features");
            Assert.IsTrue(samples.All(r => r[2] == 7f), "generated rows hold the training value in slot 2");
        }
    }

    [TestMethod]
    public void AnInfiniteValueIsAnErrorNamingTheRowAndSlot()
    {
        var ml = new MLContext(1);
        var (train, test) = Table((_, v) => v);
        train[41].Features[3] = float.PositiveInfinity;
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => Fit(ml, train, test, Options()));
        StringAssert.Contains(error.Message, "row 41, slot 3");
    }

    [TestMethod]
    public void StandardizeWithTheConvolutionalArchitectureIsRejected()
    {
        var options = new SemiSupervisedGanTrainer.Options { Architecture = GanArchitecture.Convolutional, FeatureScaling = FeatureScaling.Standardize };
        var error = Assert.ThrowsExactly<ArgumentException>(() => new MLContext(1).Gan.SemiSupervised(options));
        StringAssert.Contains(error.Message, "FeatureScaling");
    }

    [TestMethod]
    public void ForTabularPicksEpochsForAtLeast500Steps()
    {
        Assert.AreEqual(100, SemiSupervisedGanTrainer.Options.ForTabular(528).MaxEpoch);
        Assert.AreEqual(50, SemiSupervisedGanTrainer.Options.ForTabular(1000).MaxEpoch);
        Assert.AreEqual(10, SemiSupervisedGanTrainer.Options.ForTabular(43_500).MaxEpoch);
        Assert.AreEqual(300, SemiSupervisedGanTrainer.Options.ForTabular(40).MaxEpoch);
        CollectionAssert.AreEqual(new[] { 250, 250, 250 }, SemiSupervisedGanTrainer.Options.ForTabular(528).DiscriminatorHiddenSizes);
    }

    [TestMethod]
    public void ForTabularEnsemblesFiveNetworksAndEstimatesClassPriors()
    {
        var options = SemiSupervisedGanTrainer.Options.ForTabular(528);
        Assert.AreEqual(5, options.EnsembleSize);
        Assert.IsTrue(options.EstimateClassPriors);
        Assert.AreEqual(20, options.InstanceNoiseDecayEpochs);
        Assert.AreNotEqual(new SemiSupervisedGanTrainer.Options().InstanceNoiseDecayEpochs, options.InstanceNoiseDecayEpochs);
        Assert.IsFalse(new SemiSupervisedGanTrainer.Options().EstimateClassPriors);
        Assert.AreEqual(1, new SemiSupervisedGanTrainer.Options().EnsembleSize);
    }

    [TestMethod]
    public void ForTabularMultipliesInFloat32()
    {
        Assert.AreEqual(MatrixMultiplyPrecision.Single, SemiSupervisedGanTrainer.Options.ForTabular(528).MatrixMultiplyPrecision);
        Assert.AreEqual(MatrixMultiplyPrecision.Auto, new SemiSupervisedGanTrainer.Options().MatrixMultiplyPrecision);
    }

    [TestMethod]
    public void ForTabularKeepsThePapersOptimiser()
    {
        var options = SemiSupervisedGanTrainer.Options.ForTabular(528);
        Assert.AreEqual((0.003, 0.5, 0.999), (options.LearningRate, options.AdamBeta1, options.AdamBeta2));
        Assert.AreEqual((0.003, 0.5, 0.999), (options.GeneratorLearningRate, options.GeneratorAdamBeta1, options.GeneratorAdamBeta2));
        Assert.AreEqual(0, options.LearningRateDecayEpochs);
        Assert.AreNotEqual(new SemiSupervisedGanTrainer.Options().GeneratorLearningRate, options.GeneratorLearningRate, "MNIST's defaults differ");
    }

    private sealed class TableRow
    {
        public float[] Features { get; set; } = [];
        public string Label { get; set; } = "";
    }
}
