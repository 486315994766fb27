using Microsoft.ML.Gan.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Tests;

/// <summary>The paper's other techniques, their math checked on tiny tensors against values worked out by hand.</summary>
[TestClass]
public sealed class TechniqueTests
{
    // Logits (0, ln 3): Z = 1 + 3 = 4, LSE = ln 4, softplus(LSE) = ln(1 + 4) = ln 5.
    private static Tensor Logits() => tensor(new[] { 0f, MathF.Log(3) }, [1, 2]);

    [TestMethod]
    public void OneSidedLabelSmoothingChangesOnlyTheRealTarget()
    {
        // Real term: -0.9 log D - 0.1 log(1 - D) = softplus(LSE) - 0.9 LSE = ln 5 - 0.9 ln 4; fake term softplus(LSE) = ln 5.
        double expected = 0.5 * (Math.Log(5) - 0.9 * Math.Log(4)) + 0.5 * Math.Log(5);
        using var real = Logits();
        using var fake = Logits();
        using var loss = SemiSupervisedLoss.Unsupervised(real, fake, realTarget: 0.9);
        Assert.AreEqual(expected, loss.item<float>(), 1e-6);
        using var unsmoothed = SemiSupervisedLoss.Unsupervised(real, fake);
        Assert.AreEqual(0.5 * (Math.Log(5) - Math.Log(4)) + 0.5 * Math.Log(5), unsmoothed.item<float>(), 1e-6);
    }

    [TestMethod]
    public void TheConsistencyTermIsTheSquaredDifferenceOfTheClassProbabilities()
    {
        // With the generated class's logit 0: (0, ln 3, 0) gives probabilities (1, 3, 1) / 5 and (0, 0, 0) gives (1, 1, 1) / 3;
        // squared differences (1/5 - 1/3)^2 + (3/5 - 1/3)^2 + (1/5 - 1/3)^2 = 4/225 + 16/225 + 4/225 = 24/225.
        using var first = Logits();
        using var second = zeros(1, 2);
        using var term = ConsistencyLoss.Compute(first, second);
        Assert.AreEqual(24.0 / 225, term.item<float>(), 1e-6);
        using var same = ConsistencyLoss.Compute(first, first);
        Assert.AreEqual(0.0, same.item<float>());
    }

    [TestMethod]
    public void GeneratorObjectivesMatchTheirDefinitions()
    {
        // D = Z / (Z + 1) = 4/5: non-saturating -log D = ln(5/4); minimax log(1 - D) = ln(1/5).
        using var logits = Logits();
        using var nonSaturating = GeneratorLoss.NonSaturating(logits);
        using var minimax = GeneratorLoss.Minimax(logits);
        Assert.AreEqual(Math.Log(5.0 / 4), nonSaturating.item<float>(), 1e-6);
        Assert.AreEqual(Math.Log(1.0 / 5), minimax.item<float>(), 1e-6);
    }

    [TestMethod]
    public void HistoricalAveragingPenaltyGradientAndRunningMean()
    {
        using var parameter = new Parameter(tensor(new[] { 0f, 0f }), requires_grad: true);
        using var history = new HistoricalAveraging([parameter], weight: 0.5);
        using (no_grad())
            parameter.copy_(tensor(new[] { 2f, 4f }));
        history.Update();
        // The mean of (0, 0) and (2, 4) is (1, 2); with theta = (3, 2): penalty 0.5 * ((3-1)^2 + (2-2)^2) = 2,
        // gradient 2 * 0.5 * (theta - mean) = (2, 0).
        using (no_grad())
            parameter.copy_(tensor(new[] { 3f, 2f }));
        using var penalty = history.Penalty();
        Assert.AreEqual(2.0, penalty.item<float>(), 1e-6);
        penalty.backward();
        CollectionAssert.AreEqual(new[] { 2f, 0f }, parameter.grad!.data<float>().ToArray());
        history.Update();
        var mean = history.Means[0].data<float>().ToArray();
        Assert.AreEqual(5.0 / 3, mean[0], 1e-6, "mean of 0, 2, 3");
        Assert.AreEqual(2.0, mean[1], 1e-6, "mean of 0, 4, 2");
    }

    [TestMethod]
    public void InstanceNoiseDecaysLinearlyToZero()
    {
        Assert.AreEqual(0.4, InstanceNoise.StandardDeviation(0.4, 4, 1), 1e-12);
        Assert.AreEqual(0.3, InstanceNoise.StandardDeviation(0.4, 4, 2), 1e-12);
        Assert.AreEqual(0.1, InstanceNoise.StandardDeviation(0.4, 4, 4), 1e-12);
        Assert.AreEqual(0.0, InstanceNoise.StandardDeviation(0.4, 4, 5), 1e-12);
        Assert.AreEqual(0.0, InstanceNoise.StandardDeviation(0.4, 4, 50), 1e-12);
    }

    [TestMethod]
    public void LearningRateDecaysLinearlyToZeroOverTheLastEpochs()
    {
        Assert.AreEqual(0.003, LearningRateSchedule.At(0.003, 0, 45, 45), 1e-15, "no decay epochs: constant");
        Assert.AreEqual(0.003, LearningRateSchedule.At(0.003, 15, 45, 30), 1e-15, "before the decay");
        Assert.AreEqual(0.003, LearningRateSchedule.At(0.003, 15, 45, 31), 1e-15, "the first decay epoch runs at the full rate");
        Assert.AreEqual(0.003 * 14 / 15, LearningRateSchedule.At(0.003, 15, 45, 32), 1e-15);
        Assert.AreEqual(0.0002, LearningRateSchedule.At(0.003, 15, 45, 45), 1e-15, "the last epoch runs at 1/15 of it");
        Assert.AreEqual(0.001, LearningRateSchedule.At(0.003, 300, 100, 1), 1e-15, "a decay longer than the run starts part way down");
        Assert.AreEqual(0.003, LearningRateSchedule.At(0.003, null, 45, 31), 1e-15, "the default: the last third, epochs 31-45 of 45");
        Assert.AreEqual(0.003 * 14 / 15, LearningRateSchedule.At(0.003, null, 45, 32), 1e-15);
        Assert.AreEqual(0.003 * 99 / 100, LearningRateSchedule.At(0.003, null, 300, 202), 1e-15, "the last 100 of 300 epochs");
        Assert.AreEqual(0.003, LearningRateSchedule.At(0.003, null, 2, 2), 1e-15, "a run of under three epochs keeps its rate");
    }

    [TestMethod]
    public void LearningRateDecayReachesTheOptimizer()
    {
        var ml = new MLContext(1);
        var data = MnistSubset.Train(ml, 500, labelsPerClass: 5);
        var train = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data);
        float[][] Scores(int decayEpochs)
        {
            var options = MnistSubset.TinyOptions(1);
            options.LearningRateDecayEpochs = decayEpochs;
            using var model = ml.Gan.SemiSupervised(options).Fit(train);
            return MnistSubset.Column(model.Transform(train), "Score");
        }

        var constant = Scores(0);
        var fullRate = Scores(1);
        var halfRate = Scores(2);
        for (int i = 0; i < constant.Length; i++)
            CollectionAssert.AreEqual(constant[i], fullRate[i], $"row {i}: the single epoch of a one-epoch decay runs at the full rate");
        Assert.IsTrue(constant.Zip(halfRate).Any(p => !p.First.SequenceEqual(p.Second)), "a two-epoch decay halves the rate of a one-epoch run");
    }

    [TestMethod]
    public void ExperienceReplayMixesStoredRowsIntoTheBatchAndOverwritesTheOldest()
    {
        using var replay = new ExperienceReplay(capacity: 3, width: 1, CPU);
        using var random = new Generator(1);
        using var batch = tensor(new[] { 10f, 20f, 30f, 40f }, [4, 1]);
        Assert.AreSame(batch, replay.Mix(batch, 0.5, random), "nothing stored yet: the batch as it is");

        using var first = tensor(new[] { 1f, 2f }, [2, 1]);
        replay.Add(first);
        using var mixed = replay.Mix(batch, 0.5, random);
        var values = mixed.data<float>().ToArray();
        Assert.IsTrue(values[..2].All(v => v is 1f or 2f), $"half the rows come from the buffer: {values[0]}, {values[1]}");
        CollectionAssert.AreEqual(new[] { 30f, 40f }, values[2..], "the rest are the batch's own");

        using var second = tensor(new[] { 3f, 4f }, [2, 1]);
        replay.Add(second);
        Assert.AreEqual(3L, replay.Count);
        CollectionAssert.AreEqual(new[] { 4f, 2f, 3f }, replay.Buffer.data<float>().ToArray(), "4 overwrote the oldest row, 1");
    }

    [TestMethod]
    public void TechniquesCombineTrainSaveLoadAndResumeExactly()
    {
        var ml = new MLContext(1);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(MnistSubset.Train(ml, 1000, labelsPerClass: 10));
        var train = keys.Transform(MnistSubset.Train(ml, 1000, labelsPerClass: 10));
        var test = keys.Transform(MnistSubset.Test(ml, 300));
        SemiSupervisedGanTrainer.Options Options(int epochs)
        {
            var options = MnistSubset.TinyOptions(epochs);
            options.OneSidedLabelSmoothing = 0.9;
            options.HistoricalAveragingWeight = 1e-3;
            options.GeneratorObjective = GeneratorObjective.NonSaturating;
            options.DiscriminatorSteps = 2;
            options.InstanceNoiseStandardDeviation = 0.2;
            options.InstanceNoiseDecayEpochs = 3;
            options.ExperienceReplaySize = 200;
            return options;
        }

        using var model = ml.Gan.SemiSupervised(Options(4)).Fit(train);
        var scored = model.Transform(test);
        double accuracy = ml.MulticlassClassification.Evaluate(scored).MicroAccuracy;
        Assert.IsGreaterThan(0.5, accuracy, $"accuracy {accuracy:P1} with these techniques on");

        string path = Path.Combine(Path.GetTempPath(), $"techniques-{Guid.NewGuid():N}.zip");
        ml.Model.SaveAtomically(model, train.Schema, path);
        var loaded = new MLContext(2).Model.Load(path, out _);
        var expected = MnistSubset.Column(scored, "Score");
        var reloaded = MnistSubset.Column(loaded.Transform(test), "Score");
        for (int i = 0; i < expected.Length; i++)
            CollectionAssert.AreEqual(expected[i], reloaded[i], $"row {i} after loading");
        File.Delete(path);

        string checkpoints = Directory.CreateTempSubdirectory("mlgan-techniques-").FullName;
        var first = Options(2);
        first.CheckpointDirectory = checkpoints;
        ml.Gan.SemiSupervised(first).Fit(train).Dispose();
        var rest = Options(4);
        rest.ResumeFromCheckpoint = checkpoints;
        using var resumed = ml.Gan.SemiSupervised(rest).Fit(train);
        var resumedScores = MnistSubset.Column(resumed.Transform(test), "Score");
        for (int i = 0; i < expected.Length; i++)
            CollectionAssert.AreEqual(expected[i], resumedScores[i], $"row {i} after resuming with historical averages and replay");
        Directory.Delete(checkpoints, recursive: true);
    }
}
