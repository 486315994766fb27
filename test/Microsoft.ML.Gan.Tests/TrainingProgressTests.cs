namespace Microsoft.ML.Gan.Tests;

/// <summary>What the per-epoch progress report says about where the time went.</summary>
[TestClass]
public sealed class TrainingProgressTests
{
    [TestMethod]
    public void PhaseSecondsNameEveryPhaseAndAddUpToTheEpochsTrainingTime()
    {
        var ml = new MLContext(1);
        var train = ml.Transforms.Conversion.MapValueToKey("Label").Fit(MnistSubset.Train(ml, 1000, labelsPerClass: 5))
            .Transform(MnistSubset.Train(ml, 1000, labelsPerClass: 5));
        var reports = new List<GanTrainingProgress>();
        var options = MnistSubset.TinyOptions(epochs: 2);
        options.Progress = new ProgressRecorder(reports);

        using var _ = ml.Gan.SemiSupervised(options).Fit(train);

        Assert.HasCount(2, reports);
        foreach (var report in reports)
        {
            CollectionAssert.AreEquivalent(Enum.GetValues<GanTrainingPhase>(), report.PhaseSeconds.Keys.ToArray());
            Assert.IsTrue(report.PhaseSeconds.Values.All(s => s >= 0), "no phase has negative time");
            foreach (var phase in (GanTrainingPhase[])[GanTrainingPhase.DiscriminatorForward, GanTrainingPhase.DiscriminatorBackward, GanTrainingPhase.GeneratorBackward])
                Assert.IsGreaterThan(0, report.PhaseSeconds[phase], $"{phase} in epoch {report.Epoch}");
            double sum = report.PhaseSeconds.Values.Sum();
            Assert.IsLessThanOrEqualTo(report.EpochSeconds * 1.001, sum, $"epoch {report.Epoch}: phases {sum} s, epoch {report.EpochSeconds} s");
            Assert.IsGreaterThan(report.EpochSeconds * 0.5, sum, $"epoch {report.Epoch}: phases {sum} s, epoch {report.EpochSeconds} s");
        }
    }
}
