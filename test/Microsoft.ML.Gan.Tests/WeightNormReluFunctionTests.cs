using System.Runtime.InteropServices;
using Microsoft.ML.Gan.Networks;
using Microsoft.ML.Gan.Runtime;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Tests;

/// <summary>
/// The discriminator's fused hidden layer (<see cref="WeightNormReluFunction"/>) against the same layer computed with
/// libtorch's own kernels and autograd: output and every gradient, in float32 and bfloat16, trained and frozen, on
/// sizes that leave vector tails.
/// </summary>
[TestClass]
public sealed class WeightNormReluFunctionTests
{
    private const int Rows = 37, Inputs = 45, Outputs = 29;

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void TheFusedLayerMatchesLibtorchsKernelsInOutputAndEveryGradient(bool bfloat16)
    {
        using var scope = NewDisposeScope();
        var (fused, reference) = RunBoth(bfloat16, frozen: false);

        Assert.IsTrue(fused.Output.eq(0).any().item<bool>() && fused.Output.gt(0).any().item<bool>(), "the rows reach both sides of the ReLU");
        double tolerance = bfloat16 ? 1e-2 : 1e-5;
        AssertClose(reference.Output, fused.Output, tolerance, "output");
        AssertClose(reference.Input.grad!, fused.Input.grad!, tolerance, "input gradient");
        AssertClose(reference.Layer.Direction.grad!, fused.Layer.Direction.grad!, tolerance, "direction gradient");
        AssertClose(reference.Layer.Scale.grad!, fused.Layer.Scale.grad!, tolerance, "scale gradient");
        AssertClose(reference.Layer.Bias.grad!, fused.Layer.Bias.grad!, tolerance, "bias gradient");
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void AFrozenLayerMatchesLibtorchsKernelsAndGivesOnlyTheInputAGradient(bool bfloat16)
    {
        using var scope = NewDisposeScope();
        var (fused, reference) = RunBoth(bfloat16, frozen: true);

        double tolerance = bfloat16 ? 1e-2 : 1e-5;
        AssertClose(reference.Output, fused.Output, tolerance, "output");
        AssertClose(reference.Input.grad!, fused.Input.grad!, tolerance, "input gradient");
        Assert.IsNull(fused.Layer.Direction.grad);
        Assert.IsNull(fused.Layer.Bias.grad);
    }

    [TestMethod]
    public void TheFrozenWeightIsTheFoldedWeightRoundedAsLibtorchRounds()
    {
        using var scope = NewDisposeScope();
        var layer = Layer(bfloat16: true);
        layer.Freeze();
        using var expected = layer.FoldedWeight().to(ScalarType.BFloat16);
        AssertClose(expected.to(ScalarType.Float32), layer.FrozenWeight!.to(ScalarType.Float32), 1e-2, "folded weight");
    }

    [TestMethod]
    public void BFloat16RoundingIsLibtorchsToTheBit()
    {
        using var scope = NewDisposeScope();
        var values = cat([randn(100_000, generator: new Generator(5)).mul(1e3), tensor(new[] { 1 + 1f / 256, 1 + 3f / 256, -0f, 0f, 1e-40f, 3.4e38f })]);
        using var rounded = values.to(ScalarType.BFloat16);
        var expected = MemoryMarshal.Cast<byte, ushort>(rounded.bytes).ToArray();
        var floats = values.data<float>().ToArray();
        for (int i = 0; i < floats.Length; i++)
        {
            if (DenseReluKernels.Round(floats[i]) != expected[i])
                Assert.Fail($"value {floats[i]:R}: libtorch rounds to {expected[i]:X4}, the kernel to {DenseReluKernels.Round(floats[i]):X4}");
        }
        Assert.AreEqual(0x7FC0, DenseReluKernels.Round(float.NaN));
        Assert.AreEqual(1.5f, DenseReluKernels.Widen(DenseReluKernels.Round(1.5f)));
    }

    [TestMethod]
    public void TheTeamCoversEveryIndexOnceInAlignedRanges()
    {
        foreach (int threads in new[] { 1, 2, 3, 8 })
        {
            var hits = new int[1000];
            OpenMpTeam.For(hits.Length, (_, start, end) =>
            {
                Assert.AreEqual(0, start % 16, "ranges start at a multiple of the alignment");
                for (int i = start; i < end; i++)
                    Interlocked.Increment(ref hits[i]);
            }, alignment: 16, threads: threads);
            CollectionAssert.AreEqual(Enumerable.Repeat(1, hits.Length).ToArray(), hits, $"{threads} threads");
        }
        Assert.ThrowsExactly<InvalidOperationException>(() => OpenMpTeam.For(100, (_, _, _) => throw new InvalidOperationException("from the team"), threads: 2));
    }

    private sealed record Pass(WeightNormDense Layer, Tensor Input, Tensor Output);

    /// <summary>
    /// The same layer, input and noise through the fused node and through <see cref="WeightNormDense.forward"/>, the noise
    /// layer and ReLU, each followed by the backward pass of a fixed weighted sum of the outputs.
    /// </summary>
    private static (Pass Fused, Pass Reference) RunBoth(bool bfloat16, bool frozen)
    {
        var (fused, reference) = (Layer(bfloat16), Layer(bfloat16));
        if (frozen)
        {
            foreach (var layer in new[] { fused, reference })
            {
                foreach (var p in layer.parameters())
                    p.requires_grad = false;
                layer.Freeze();
            }
        }
        var (fusedInput, referenceInput) = (Input(), Input());
        using var weights = Weights();
        var fusedOutput = WeightNormReluFunction.Apply(fusedInput, fused, Noise());
        fusedOutput.mul(weights).sum().backward();
        var referenceOutput = nn.functional.relu(reference.forward(Noise().forward(referenceInput)));
        referenceOutput.mul(weights).sum().backward();
        return (new Pass(fused, fusedInput, fusedOutput), new Pass(reference, referenceInput, referenceOutput));
    }

    private static WeightNormDense Layer(bool bfloat16)
    {
        using var direction = randn([Outputs, Inputs], generator: new Generator(11)).mul(0.3);
        var layer = new WeightNormDense("dense", Inputs, Outputs, trainScale: true, direction);
        using (no_grad())
        {
            layer.Scale.copy_(rand([Outputs], generator: new Generator(12)).add(0.5));
            layer.Bias.copy_(randn([Outputs], generator: new Generator(13)).mul(0.2));
        }
        layer.ProductType = bfloat16 ? ScalarType.BFloat16 : ScalarType.Float32;
        return layer;
    }

    private static Tensor Input() => randn([Rows, Inputs], generator: new Generator(21)).requires_grad_(true);

    private static Tensor Weights() => randn([Rows, Outputs], generator: new Generator(22));

    /// <summary>A noise layer in training mode whose source starts from the same seed each time, so both paths draw the same values.</summary>
    private static GaussianNoise Noise()
    {
        var noise = new GaussianNoise("noise", 0.3, new GaussianNoiseSource(7));
        noise.train();
        return noise;
    }

    private static void AssertClose(Tensor expected, Tensor actual, double tolerance, string what)
    {
        double scale = Math.Max(1e-6, expected.abs().max().item<float>());
        double difference = expected.sub(actual).abs().max().item<float>();
        Assert.IsTrue(difference <= tolerance * scale, $"{what}: largest difference {difference:G3}, {difference / scale:G3} of the largest value (tolerance {tolerance})");
    }
}
