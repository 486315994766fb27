using Microsoft.ML.Gan.Training;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Tests;

/// <summary>
/// CatGAN's terms on real rows, KL(batch shares || labeled shares) + mean row entropy: the value of each part, the
/// target shares, and that a step down the gradient makes rows more certain and the batch more balanced, where the
/// balance alone would make every row uncertain.
/// </summary>
[TestClass]
public sealed class MutualInformationLossTests
{
    private static double[] Probabilities(Tensor logits, int row) => logits.softmax(1)[row].to(ScalarType.Float64).data<double>().ToArray();

    [TestMethod]
    public void TheTermIsTheBalancesDivergencePlusTheRowsMeanEntropy()
    {
        using var scope = NewDisposeScope();
        using var balanced = new MutualInformationLoss([10, 10, 10], CPU);
        Assert.AreEqual(0.0, balanced.Balance(zeros(8, 3)).item<float>(), 1e-7, "rows that are each uniform give uniform shares");
        Assert.AreEqual(Math.Log(3), MutualInformationLoss.Entropy(zeros(8, 3)).item<float>(), 1e-6, "and the largest entropy");

        var confident = tensor(new float[,] { { 9, 0, 0 }, { 0, 9, 0 }, { 0, 0, 9 }, { 0, 0, 9 } });
        var rows = Enumerable.Range(0, 4).Select(i => Probabilities(confident, i)).ToArray();
        var shares = Enumerable.Range(0, 3).Select(k => rows.Average(p => p[k])).ToArray();
        double balance = shares.Sum(m => m * Math.Log(m / (1.0 / 3)));
        double entropy = rows.Average(p => -p.Sum(x => x * Math.Log(x)));
        Assert.AreEqual(balance, balanced.Balance(confident).item<float>(), 1e-6, "two of four rows in the third class");
        Assert.AreEqual(entropy, MutualInformationLoss.Entropy(confident).item<float>(), 1e-6);
        Assert.AreEqual(balance + entropy, balanced.Compute(confident).item<float>(), 1e-6);
        Assert.IsGreaterThan(0.05, balance);

        using var skewed = new MutualInformationLoss([1, 3], CPU);
        Assert.AreEqual(0.0, skewed.Balance(tensor(new float[,] { { 0, (float)Math.Log(2) } })).item<float>(), 1e-7,
            "labeled counts 1 and 3 give shares (1+1)/6 and (3+1)/6");
        using var noLabels = new MutualInformationLoss([0, 4], CPU);
        Assert.IsTrue(float.IsFinite(noLabels.Compute(tensor(new float[,] { { 30, 0 } })).item<float>()), "a class without labeled rows keeps a share");
    }

    [TestMethod]
    public void AStepDownTheGradientBalancesTheBatchAndKeepsRowsCertain()
    {
        using var scope = NewDisposeScope();
        using var loss = new MutualInformationLoss([10, 10], CPU);
        var start = tensor(new float[,] { { 3, 0 }, { 2, 0 }, { 0.5f, 0 }, { 0, 2 } });

        var balanceOnly = start.clone().requires_grad_(true);
        loss.Balance(balanceOnly).backward();
        var both = start.clone().requires_grad_(true);
        loss.Compute(both).backward();
        using (no_grad())
        {
            balanceOnly.sub_(balanceOnly.grad!.mul(10));
            both.sub_(both.grad!.mul(10));
        }
        double before = start.softmax(1).mean([0])[1].item<float>();
        Assert.IsGreaterThan(before, both.softmax(1).mean([0])[1].item<float>(), "the batch's share of the under-given class grows");
        Assert.IsGreaterThan(Probabilities(start, 2)[1], Probabilities(both, 2)[1], "the row nearest the boundary moves towards the under-given class");
        double entropyBefore = MutualInformationLoss.Entropy(start).item<float>();
        Assert.IsLessThan(entropyBefore, MutualInformationLoss.Entropy(both).item<float>(), "with the entropy the rows grow more certain");
        Assert.IsGreaterThan(entropyBefore, MutualInformationLoss.Entropy(balanceOnly).item<float>(), "the balance alone makes them less certain");
    }
}
