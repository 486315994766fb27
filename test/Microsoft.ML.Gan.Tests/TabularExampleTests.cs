using TabularCsv;

namespace Microsoft.ML.Gan.Tests;

/// <summary>The TabularCsv example's core on the vehicle table for a few epochs: CSV split, pipeline, LightGbm, model.zip.</summary>
[TestClass]
public sealed class TabularExampleTests
{
    [TestMethod]
    public void TheExampleTrainsOnAFewLabelsComparesWithLightGbmAndReloadsTheModel()
    {
        string output = Directory.CreateTempSubdirectory("mlgan-tabular-example-").FullName;
        var log = new StringWriter();

        var result = TabularExample.Run(new TabularSettings { DataDirectory = TestData.DataDirectory, Epochs = 8, OutputDirectory = output }, log);

        Assert.AreEqual(40, result.LabeledRows, "10 labels for each of vehicle's 4 classes");
        Assert.AreEqual(635, result.TrainRows, "846 rows, a quarter (211) held out");
        var train = File.ReadAllLines(Path.Combine(output, "train.csv"));
        Assert.AreEqual(40, train.Skip(1).Count(l => !l.EndsWith(",\"\"")), "unlabeled rows have an empty class");
        Assert.IsTrue(File.Exists(Path.Combine(output, "model.zip")));
        Assert.AreEqual(1.0, result.ReloadedAgreement, log.ToString());
        CollectionAssert.Contains(new[] { "bus", "van", "saab", "opel" }, result.FirstTestPrediction);
        // Four classes: guessing is 75% wrong; 40 labels and 8 epochs are far better on these silhouettes.
        Assert.IsLessThan(0.6, result.GanTestError, log.ToString());
        Assert.IsLessThan(0.6, result.LightGbmTestError, log.ToString());
        Directory.Delete(output, recursive: true);
    }
}
