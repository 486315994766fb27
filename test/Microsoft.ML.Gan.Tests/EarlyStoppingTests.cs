namespace Microsoft.ML.Gan.Tests;

/// <summary>Validation error after every epoch, early stopping, and the best epoch's weights kept.</summary>
[TestClass]
public sealed class EarlyStoppingTests
{
    [TestMethod]
    public void TrainingStopsWhenValidationStopsImprovingAndKeepsTheBestEpoch()
    {
        var ml = new MLContext(1);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(MnistSubset.Train(ml, 500, labelsPerClass: 5));
        var train = keys.Transform(MnistSubset.Train(ml, 500, labelsPerClass: 5));
        var validation = keys.Transform(MnistSubset.Test(ml, 300));
        var reports = new List<GanTrainingProgress>();
        var options = MnistSubset.TinyOptions(epochs: 60);
        options.EarlyStoppingPatience = 2;
        options.Progress = new ProgressRecorder(reports);

        var model = ml.Gan.SemiSupervised(options).Fit(train, validation);

        Assert.IsLessThan(60, reports.Count, "training should stop before MaxEpoch");
        int best = reports.MinBy(r => r.ValidationError!.Value)!.Epoch;
        Assert.AreEqual(best + 2, reports[^1].Epoch, "it stops exactly 'patience' epochs after the best one");
        double finalError = 1 - ml.MulticlassClassification.Evaluate(model.Transform(validation)).MicroAccuracy;
        Assert.AreEqual(reports.Min(r => r.ValidationError!.Value), finalError, 1e-9, "the kept weights are the best epoch's");
    }

    [TestMethod]
    public void EarlyStoppingWithoutValidationDataIsRejected()
    {
        var ml = new MLContext(1);
        var train = ml.Transforms.Conversion.MapValueToKey("Label").Fit(MnistSubset.Train(ml, 200, labelsPerClass: 2))
            .Transform(MnistSubset.Train(ml, 200, labelsPerClass: 2));
        var options = MnistSubset.TinyOptions();
        options.EarlyStoppingPatience = 3;
        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.Gan.SemiSupervised(options).Fit(train));
        StringAssert.Contains(e.Message, "validation");
    }
}
