using Microsoft.ML.Gan.Training;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Tests;

/// <summary>CatGAN's class balance as KL(batch shares || labeled shares): its value, its target and the way it pushes.</summary>
[TestClass]
public sealed class ClassBalanceLossTests
{
    [TestMethod]
    public void TheTermIsTheDivergenceFromTheBatchsSharesToTheLabeledRowsShares()
    {
        using var scope = NewDisposeScope();
        using var balanced = new ClassBalanceLoss([10, 10, 10], CPU);
        Assert.AreEqual(0.0, balanced.Compute(zeros(8, 3)).item<float>(), 1e-7, "rows that are each uniform give uniform shares");
        var confident = tensor(new float[,] { { 9, 0, 0 }, { 0, 9, 0 }, { 0, 0, 9 }, { 0, 0, 9 } });
        var shares = confident.softmax(1).mean([0]).to(ScalarType.Float64).data<double>().ToArray();
        double expected = shares.Sum(m => m * Math.Log(m / (1.0 / 3)));
        Assert.AreEqual(expected, balanced.Compute(confident).item<float>(), 1e-6, "two of four rows in the third class");
        Assert.IsGreaterThan(0.05, expected);

        using var skewed = new ClassBalanceLoss([1, 3], CPU);
        var atPrior = tensor(new float[,] { { 0, (float)Math.Log(2) } });
        Assert.AreEqual(0.0, skewed.Compute(atPrior).item<float>(), 1e-7, "labeled counts 1 and 3 give shares (1+1)/6 and (3+1)/6");
        using var noLabels = new ClassBalanceLoss([0, 4], CPU);
        Assert.IsTrue(float.IsFinite(noLabels.Compute(tensor(new float[,] { { 5, 0 } })).item<float>()), "a class without labeled rows keeps a share");
    }

    [TestMethod]
    public void AStepDownTheGradientMovesTheOverGivenClasssRowsToTheUnderGivenOne()
    {
        using var scope = NewDisposeScope();
        using var loss = new ClassBalanceLoss([10, 10], CPU);
        var logits = tensor(new float[,] { { 3, 0 }, { 2, 0 }, { 0.5f, 0 }, { 0, 2 } }).requires_grad_(true);
        double before = logits.softmax(1).mean([0])[1].item<float>();
        loss.Compute(logits).backward();
        using (no_grad())
            logits.sub_(logits.grad!.mul(10));
        var after = logits.softmax(1);
        Assert.IsGreaterThan(before, after.mean([0])[1].item<float>(), "the batch's share of the under-given class grows");
        var gain = after[.., 1].data<float>().ToArray();
        Assert.IsTrue(gain[2] > 0.5, $"the row nearest the boundary crosses it ({gain[2]:F3})");
    }
}
