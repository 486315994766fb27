namespace Microsoft.ML.Gan.Tests;

/// <summary>The reason the library exists: with few labels, the GAN's unlabeled data must beat supervised training on the labels alone.</summary>
[TestClass]
public sealed class SupervisedBaselineTests
{
    [TestMethod]
    public void GanBeatsLbfgsMaximumEntropyTrainedOnTheSameLabeledRows()
    {
        var ml = new MLContext(1);
        var train = MnistSubset.Train(ml, 5000, labelsPerClass: 10, seed: 3);
        var test = MnistSubset.Test(ml, 2000);

        var gan = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Gan.SemiSupervised(new SemiSupervisedGanTrainer.Options { MaxEpoch = 6, Seed = 3 }))
            .Fit(train);
        double ganAccuracy = ml.MulticlassClassification.Evaluate(gan.Transform(test)).MicroAccuracy;

        var labeledOnly = ml.Data.FilterRowsByMissingValues(train, "Label");
        Assert.AreEqual(100L, ml.Data.CreateEnumerable<LabelRow>(labeledOnly, false).LongCount());
        var supervised = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy())
            .Fit(labeledOnly);
        double supervisedAccuracy = ml.MulticlassClassification.Evaluate(supervised.Transform(test)).MicroAccuracy;

        Console.WriteLine($"GAN {ganAccuracy:P1}, LbfgsMaximumEntropy {supervisedAccuracy:P1} on 2000 test images, 100 labels");
        Assert.IsGreaterThan(supervisedAccuracy + 0.05, ganAccuracy,
            $"GAN accuracy {ganAccuracy:P1} should beat the supervised baseline {supervisedAccuracy:P1} by 5 points.");
    }

    private sealed class LabelRow
    {
        public float Label { get; set; }
    }
}
