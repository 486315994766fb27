using Microsoft.ML.Gan.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Tests;

/// <summary>
/// The generator's hidden layer in training, softplus((h - mean) / sqrt(var + eps) + beta) over the batch as one fused
/// node, and its gradients, against that formula in float64.
/// </summary>
[TestClass]
public sealed class BatchNormSoftplusTests
{
    private const double Epsilon = 1e-6;

    /// <summary>
    /// 100 rows take one thread and 400 rows of 100 columns (40,000 values) libtorch's threads; 37 columns end in a part
    /// of a vector. Beta of 30 and -30 in the last columns takes softplus past its threshold and to values near exp(y).
    /// </summary>
    [TestMethod]
    [DataRow(100, 37)]
    [DataRow(400, 100)]
    public void OutputAndGradientsAreTheFormulas(int rows, int columns)
    {
        using var scope = NewDisposeScope();
        using var random = new Generator(7);
        using var norm = new BiasOnlyBatchNorm("norm", columns);
        norm.train();
        var beta = norm.parameters().Single();
        using (no_grad())
        {
            beta.copy_(randn([columns], generator: random).mul(2));
            beta[columns - 2] = 30f;
            beta[columns - 1] = -30f;
        }
        // Features of different scales, each offset by up to 3 of its standard deviations, as a hidden layer's products are.
        var scales = linspace(0.01, 10, columns);
        var h = randn([rows, columns], generator: random).add(linspace(-3, 3, columns)).mul(scales).requires_grad_(true);
        var upstream = randn([rows, columns], generator: random);

        var y = norm.ForwardSoftplus(h);
        y.backward([upstream]);

        var h64 = h.detach().to(ScalarType.Float64).requires_grad_(true);
        var beta64 = beta.detach().to(ScalarType.Float64).requires_grad_(true);
        var centered = h64.sub(h64.mean([0L], keepdim: true));
        var expected = nn.functional.softplus(centered.div(centered.pow(2).mean([0L], keepdim: true).add(Epsilon).sqrt()).add(beta64));
        expected.backward([upstream.to(ScalarType.Float64)]);

        AssertClose(expected, y, "output");
        AssertClose(h64.grad!, h.grad!, "input gradient");
        AssertClose(beta64.grad!, beta.grad!, "beta's gradient");
        // Near exp(y) the output is a tiny number: held to its own size, which log(1 + t) uncorrected would lose.
        var tiny = expected.select(1, columns - 1).data<double>().ToArray();
        var tinyActual = y.select(1, columns - 1).to(ScalarType.Float64).data<double>().ToArray();
        for (int i = 0; i < rows; i++)
            Assert.AreEqual(tiny[i], tinyActual[i], 1e-5 * tiny[i], $"output near exp(y), row {i}");
    }

    [TestMethod]
    public void WithoutGradientsTheOutputIsTheSame()
    {
        using var scope = NewDisposeScope();
        using var random = new Generator(3);
        using var norm = new BiasOnlyBatchNorm("norm", 21);
        norm.train();
        var h = randn([100, 21], generator: random).requires_grad_(true);

        var tracked = norm.ForwardSoftplus(h);
        Tensor untracked;
        using (no_grad())
            untracked = norm.ForwardSoftplus(h);

        CollectionAssert.AreEqual(tracked.data<float>().ToArray(), untracked.data<float>().ToArray());
    }

    [TestMethod]
    public void OneRowIsCentredToZeroSoItsOutputIsSoftplusOfBetaAndItsInputGradientZero()
    {
        using var scope = NewDisposeScope();
        using var norm = new BiasOnlyBatchNorm("norm", 3);
        norm.train();
        var beta = norm.parameters().Single();
        using (no_grad())
            beta.copy_(tensor(new[] { 0.5f, -1f, 2f }));
        var h = tensor(new[] { 4f, 5f, 6f }, [1, 3]).requires_grad_(true);

        var y = norm.ForwardSoftplus(h);
        y.sum().backward();

        var expected = new[] { 0.5, -1.0, 2.0 }.Select(b => Math.Log(1 + Math.Exp(b))).ToArray();
        var slopes = new[] { 0.5, -1.0, 2.0 }.Select(b => 1 / (1 + Math.Exp(-b))).ToArray();
        for (int i = 0; i < 3; i++)
        {
            Assert.AreEqual(expected[i], y[0, i].item<float>(), 1e-6, $"output {i}");
            Assert.AreEqual(0f, h.grad![0, i].item<float>(), $"input gradient {i}");
            Assert.AreEqual(slopes[i], beta.grad![i].item<float>(), 1e-6, $"beta's gradient {i}");
        }
    }

    /// <summary>float32 against float64: within 1e-5 of the float64 value's magnitude (at least 1).</summary>
    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        var e = expected.to(ScalarType.Float64).data<double>().ToArray();
        var a = actual.to(ScalarType.Float64).data<double>().ToArray();
        Assert.HasCount(e.Length, a);
        for (int i = 0; i < e.Length; i++)
            Assert.AreEqual(e[i], a[i], 1e-5 * Math.Max(1, Math.Abs(e[i])), $"{what} {i}");
    }
}
