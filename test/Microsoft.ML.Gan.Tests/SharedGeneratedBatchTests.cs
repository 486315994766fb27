using Microsoft.ML.Gan.Data;
using Microsoft.ML.Gan.Training;
using Microsoft.ML.Runtime;
using TorchSharp;

namespace Microsoft.ML.Gan.Tests;

/// <summary>
/// SharedGeneratedBatch: the generator's step trains on the batch the discriminator step before it was given, so the
/// generator makes one batch per step instead of two; the batch is made with autograd on for the generator's step. By
/// default only with bfloat16 products.
/// </summary>
[TestClass]
public sealed class SharedGeneratedBatchTests
{
    /// <summary>300 rows in batches of 50: 6 discriminator steps per epoch.</summary>
    private const int Steps = 6;

    /// <summary>Trains one epoch and returns, for each batch the generator made, whether autograd recorded it.</summary>
    private static List<bool> GeneratedBatches(bool? shared, int discriminatorSteps, MatrixMultiplyPrecision precision = MatrixMultiplyPrecision.Auto)
    {
        var ml = new MLContext(1);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(MnistSubset.Train(ml, 300, labelsPerClass: 3));
        var train = keys.Transform(MnistSubset.Train(ml, 300, labelsPerClass: 3));
        var columns = SemiSupervisedColumns.Find(train.Schema, "Features", "Label");
        using var data = SemiSupervisedData.Read(train, columns, requireLabels: true);
        var options = MnistSubset.TinyOptions();
        options.SharedGeneratedBatch = shared;
        options.DiscriminatorSteps = discriminatorSteps;
        options.MatrixMultiplyPrecision = precision;
        using var channel = ((IHostEnvironment)ml).Register("test").Start("test");
        using var training = new GanTrainingLoop(options, columns.FeatureCount, columns.ClassCount, null, 7, channel);
        var batches = new List<bool>();
        training.Networks.Generator.register_forward_hook((_, _, output) =>
        {
            batches.Add(output.requires_grad);
            return output;
        });
        training.Run(data, null, null, () => { });
        return batches;
    }

    [TestMethod]
    public void TheGeneratorMakesOneBatchPerStepWhenShared()
    {
        CollectionAssert.AreEqual(Enumerable.Repeat(true, Steps).ToList(), GeneratedBatches(shared: true, discriminatorSteps: 1),
            "one batch per step, with autograd on for the generator's step");
        CollectionAssert.AreEqual(Enumerable.Range(0, 2 * Steps).Select(i => i % 2 == 1).ToList(), GeneratedBatches(shared: false, discriminatorSteps: 1),
            "without sharing, a batch without autograd for the discriminator and a new one for the generator");
    }

    [TestMethod]
    public void OnlyTheStepBeforeAGeneratorStepTakesItsBatchWithAutograd()
    {
        CollectionAssert.AreEqual(Enumerable.Range(0, Steps).Select(i => i % 2 == 1).ToList(), GeneratedBatches(shared: true, discriminatorSteps: 2),
            "with two discriminator steps per generator step, the second shares its batch");
    }

    [TestMethod]
    public void ByDefaultTheBatchIsSharedWithBFloat16ProductsOnly()
    {
        Assert.HasCount(Steps, GeneratedBatches(shared: null, discriminatorSteps: 1, MatrixMultiplyPrecision.BFloat16));
        Assert.HasCount(2 * Steps, GeneratedBatches(shared: null, discriminatorSteps: 1, MatrixMultiplyPrecision.Single));
    }
}
