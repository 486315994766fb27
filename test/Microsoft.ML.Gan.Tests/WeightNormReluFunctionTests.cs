using System.Runtime.InteropServices;
using Microsoft.ML.Gan.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Tests;

/// <summary>
/// The discriminator's fused hidden layer (<see cref="WeightNormReluFunction"/>) against the same layer computed with
/// libtorch's own kernels and autograd (noise layer, <see cref="WeightNormDense.forward"/>, ReLU): the output and every
/// gradient must be the same to the bit, in float32 and bfloat16, on sizes with and without vector tails.
/// </summary>
[TestClass]
public sealed class WeightNormReluFunctionTests
{
    [TestMethod]
    [DataRow(false, 37, 45, 29)]
    [DataRow(true, 37, 45, 29)]
    [DataRow(false, 64, 96, 48)]
    [DataRow(true, 300, 784, 250)]
    public void TheFusedLayerIsLibtorchsLayerToTheBitInOutputAndEveryGradient(bool bfloat16, int rows, int inputs, int outputs)
    {
        using var scope = NewDisposeScope();
        var (fused, reference) = RunBoth(bfloat16, rows, inputs, outputs, noisy: true);

        Assert.IsTrue(fused.Output.eq(0).any().item<bool>() && fused.Output.gt(0).any().item<bool>(), "the rows reach both sides of the ReLU");
        AssertSameBits(reference.Output, fused.Output, "output");
        AssertSameBits(reference.Input.grad!, fused.Input.grad!, "input gradient");
        AssertSameBits(reference.Layer.Direction.grad!, fused.Layer.Direction.grad!, "direction gradient");
        AssertSameBits(reference.Layer.Scale.grad!, fused.Layer.Scale.grad!, "scale gradient");
        AssertSameBits(reference.Layer.Bias.grad!, fused.Layer.Bias.grad!, "bias gradient");
    }

    [TestMethod]
    public void WithoutNoiseTheInputIsOnlyRounded()
    {
        using var scope = NewDisposeScope();
        var (fused, reference) = RunBoth(bfloat16: true, 37, 45, 29, noisy: false);

        AssertSameBits(reference.Output, fused.Output, "output");
        AssertSameBits(reference.Layer.Direction.grad!, fused.Layer.Direction.grad!, "direction gradient");
    }

    [TestMethod]
    [DataRow(37, 45, 29)]
    [DataRow(100, 250, 250)]
    public void AFrozenBFloat16LayerIsLibtorchsToTheBitAndGivesOnlyTheInputAGradient(int rows, int inputs, int outputs)
    {
        using var scope = NewDisposeScope();
        var (fused, reference) = RunBoth(bfloat16: true, rows, inputs, outputs, noisy: true, frozen: true);

        AssertSameBits(reference.Output, fused.Output, "output");
        AssertSameBits(reference.Input.grad!, fused.Input.grad!, "input gradient");
        Assert.IsNull(fused.Layer.Direction.grad);
        Assert.IsNull(fused.Layer.Bias.grad);
    }

    [TestMethod]
    public void WithoutAGradientAFrozenLayerGivesTheSameOutput()
    {
        using var scope = NewDisposeScope();
        var (fused, reference) = (Layer(bfloat16: true, 45, 29), Layer(bfloat16: true, 45, 29));
        fused.Freeze();
        reference.Freeze();
        using var input = randn([37, 45], generator: new Generator(21));
        using var _ = no_grad();
        AssertSameBits(nn.functional.relu(reference.forward(Noise(true).forward(input))), WeightNormReluFunction.Apply(input, fused, Noise(true)), "output");
    }

    [TestMethod]
    public void TheLayerAppliesWhileItsDirectionTrainsOrFrozenInBFloat16()
    {
        using var scope = NewDisposeScope();
        var layer = Layer(bfloat16: true, 45, 29);
        using var input = randn(37, 45);
        Assert.IsTrue(WeightNormReluFunction.Applies(input, layer));
        using (no_grad())
            Assert.IsFalse(WeightNormReluFunction.Applies(input, layer), "no gradient wanted");
        using var row = randn(1, 45);
        Assert.IsFalse(WeightNormReluFunction.Applies(row, layer), "one row");
        layer.Freeze();
        Assert.IsTrue(WeightNormReluFunction.Applies(input, layer), "frozen in bfloat16");
        layer.Thaw();
        layer.ProductType = ScalarType.Float32;
        layer.Freeze();
        Assert.IsFalse(WeightNormReluFunction.Applies(input, layer), "frozen in float32: libtorch adds the bias inside the product");
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

    private sealed record Pass(WeightNormDense Layer, Tensor Input, Tensor Output);

    /// <summary>
    /// The same layer, input and noise through the fused node and through the composed layer, each followed by the
    /// backward pass of a fixed weighted sum of the outputs; a frozen layer first takes its parameters out of training
    /// and folds its weight, as the generator's step does.
    /// </summary>
    private static (Pass Fused, Pass Reference) RunBoth(bool bfloat16, int rows, int inputs, int outputs, bool noisy, bool frozen = false)
    {
        var (fused, reference) = (Layer(bfloat16, inputs, outputs), Layer(bfloat16, inputs, outputs));
        if (frozen)
        {
            foreach (var layer in new[] { fused, reference })
            {
                foreach (var p in layer.parameters())
                    p.requires_grad = false;
                layer.Freeze();
            }
        }
        var (fusedInput, referenceInput) = (Input(rows, inputs), Input(rows, inputs));
        using var weights = randn([rows, outputs], generator: new Generator(22));
        var fusedOutput = WeightNormReluFunction.Apply(fusedInput, fused, Noise(noisy));
        fusedOutput.mul(weights).sum().backward();
        var referenceOutput = nn.functional.relu(reference.forward(Noise(noisy).forward(referenceInput)), inplace: true);
        referenceOutput.mul(weights).sum().backward();
        return (new Pass(fused, fusedInput, fusedOutput), new Pass(reference, referenceInput, referenceOutput));
    }

    private static WeightNormDense Layer(bool bfloat16, int inputs, int outputs)
    {
        using var direction = randn([outputs, inputs], generator: new Generator(11)).mul(0.05);
        var layer = new WeightNormDense("dense", inputs, outputs, trainScale: true, direction);
        using (no_grad())
        {
            layer.Scale.copy_(rand([outputs], generator: new Generator(12)).add(0.5));
            layer.Bias.copy_(randn([outputs], generator: new Generator(13)).mul(0.2));
        }
        layer.ProductType = bfloat16 ? ScalarType.BFloat16 : ScalarType.Float32;
        return layer;
    }

    /// <summary>A ReLU-like input (about half zeros) that wants a gradient, as a hidden layer's input is.</summary>
    private static Tensor Input(int rows, int inputs) =>
        randn([rows, inputs], generator: new Generator(21)).clamp_min(0).requires_grad_(true);

    /// <summary>A noise layer whose source starts from the same seed each time, so both paths draw the same values; in evaluation mode it adds nothing.</summary>
    private static GaussianNoise Noise(bool noisy)
    {
        var noise = new GaussianNoise("noise", 0.5, new GaussianNoiseSource(7));
        noise.train(noisy);
        return noise;
    }

    private static void AssertSameBits(Tensor expected, Tensor actual, string what)
    {
        CollectionAssert.AreEqual(expected.shape, actual.shape, $"{what}: shape");
        var (e, a) = (expected.contiguous().data<float>().ToArray(), actual.contiguous().data<float>().ToArray());
        int differing = 0, first = -1;
        for (int i = 0; i < e.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(e[i]) != BitConverter.SingleToInt32Bits(a[i]))
            {
                differing++;
                first = first < 0 ? i : first;
            }
        }
        Assert.AreEqual(0, differing, $"{what}: {differing} of {e.Length} values differ, first at {first}: {(first < 0 ? 0 : e[first]):R} against {(first < 0 ? 0 : a[first]):R}");
    }
}
