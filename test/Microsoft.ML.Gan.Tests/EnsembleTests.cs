using Microsoft.ML.Gan.Transformers;

namespace Microsoft.ML.Gan.Tests;

/// <summary>Ensembles: one fitted model averaging the probabilities of members trained with consecutive seeds.</summary>
[TestClass]
public sealed class EnsembleTests
{
    [TestMethod]
    public void AnEnsembleScoresTheMeanOfItsMembersThroughOneModel()
    {
        var (ml, train, test) = Data(testRows: 100);
        string checkpoints = Directory.CreateTempSubdirectory("mlgan-ensemble-").FullName;

        var options = TwoMembers();
        options.CheckpointDirectory = checkpoints;
        TorchClassifier? torchClassifier = null;
        var ensembleTrainer = ml.Gan.SemiSupervised(options);
        ensembleTrainer.TorchClassifierTrained = torch => torchClassifier = torch;
        using var ensemble = ensembleTrainer.Fit(train);
        using var torchMembers = torchClassifier!;
        using var first = ml.Gan.SemiSupervised(MnistSubset.TinyOptions(epochs: 2, seed: 7)).Fit(train);
        using var second = ml.Gan.SemiSupervised(MnistSubset.TinyOptions(epochs: 2, seed: 8)).Fit(train);

        Assert.AreEqual(2, ensemble.EnsembleSize);
        var scores = MnistSubset.Column(ensemble.Transform(test), "Score");
        var a = MnistSubset.Column(first.Transform(test), "Score");
        var b = MnistSubset.Column(second.Transform(test), "Score");
        var torch = torchMembers.Score(MnistSubset.Column(test, "Features"));
        for (int i = 0; i < scores.Length; i++)
        {
            for (int k = 0; k < scores[i].Length; k++)
            {
                Assert.AreEqual((a[i][k] + b[i][k]) / 2, scores[i][k], 1e-5, $"row {i}, class {k}: the mean of the members");
                Assert.AreEqual(torch[i][k], scores[i][k], 1e-5, $"row {i}, class {k}: libtorch and ONNX Runtime");
            }
        }
        Assert.IsFalse(a[0].SequenceEqual(b[0]), "the members differ");
        Assert.IsTrue(File.Exists(Path.Combine(checkpoints, "member-0", "checkpoint.mlgan")) && File.Exists(Path.Combine(checkpoints, "member-1", "checkpoint.mlgan")));
        Directory.Delete(checkpoints, recursive: true);
    }

    [TestMethod]
    public void AnEnsemblesProgressNamesTheMemberAndScoresTheEnsembleSoFar()
    {
        var (ml, train, test) = Data(testRows: 200);
        var reports = new List<GanTrainingProgress>();
        var options = TwoMembers();
        options.Progress = new ProgressRecorder(reports);
        using var ensemble = ml.Gan.SemiSupervised(options).Fit(train, test);
        var alone = MnistSubset.TinyOptions(epochs: 2, seed: 7);
        var aloneReports = new List<GanTrainingProgress>();
        alone.Progress = new ProgressRecorder(aloneReports);
        ml.Gan.SemiSupervised(alone).Fit(train, test).Dispose();

        CollectionAssert.AreEqual(new[] { 1, 1, 2, 2 }, reports.Select(r => r.EnsembleMember).ToArray());
        CollectionAssert.AreEqual(new[] { 1, 2, 1, 2 }, reports.Select(r => r.Epoch).ToArray());
        CollectionAssert.AreEqual(new[] { 1, 2, 3, 4 }, reports.Select(r => r.OverallEpoch).ToArray());
        Assert.IsTrue(reports.All(r => r.EnsembleSize == 2 && r.MaxEpoch == 2));
        Assert.AreEqual(aloneReports[^1].ValidationError, reports[1].ValidationError, "the first member alone is the model after its last epoch");
        double final = 1 - ml.MulticlassClassification.Evaluate(ensemble.Transform(test)).MicroAccuracy;
        Assert.AreEqual(final, reports[^1].ValidationError!.Value, 1e-9, "the last report's error is the fitted ensemble's");
        Assert.AreNotEqual(reports[1].ValidationError, reports[^1].ValidationError, "the second member changes the ensemble's error");
    }

    [TestMethod]
    public void AnEnsembleResumesWhenTrainingStoppedBeforeAMemberBegan()
    {
        var (ml, train, test) = Data(testRows: 100);
        string checkpoints = Directory.CreateTempSubdirectory("mlgan-ensemble-resume-").FullName;
        var options = TwoMembers();
        options.CheckpointDirectory = checkpoints;
        using var uninterrupted = ml.Gan.SemiSupervised(options).Fit(train);
        Directory.Delete(Path.Combine(checkpoints, "member-1"), recursive: true);

        var resumed = TwoMembers();
        resumed.ResumeFromCheckpoint = checkpoints;
        using var continued = ml.Gan.SemiSupervised(resumed).Fit(train);

        var expected = MnistSubset.Column(uninterrupted.Transform(test), "Score");
        var actual = MnistSubset.Column(continued.Transform(test), "Score");
        for (int i = 0; i < expected.Length; i++)
            CollectionAssert.AreEqual(expected[i], actual[i], $"row {i}: the resumed ensemble differs from the uninterrupted one");
        Directory.Delete(checkpoints, recursive: true);
    }

    /// <summary>Two epochs of the tiny networks, seed 7, an ensemble of two members.</summary>
    private static SemiSupervisedGanTrainer.Options TwoMembers()
    {
        var options = MnistSubset.TinyOptions(epochs: 2, seed: 7);
        options.EnsembleSize = 2;
        return options;
    }

    /// <summary>400 training rows with 4 labels per class and the first <paramref name="testRows"/> test rows, labels as keys.</summary>
    private static (MLContext Ml, IDataView Train, IDataView Test) Data(int testRows)
    {
        var ml = new MLContext(1);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(MnistSubset.Train(ml, 400, labelsPerClass: 4));
        return (ml, keys.Transform(MnistSubset.Train(ml, 400, labelsPerClass: 4)), keys.Transform(MnistSubset.Test(ml, testRows)));
    }
}
