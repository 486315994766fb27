using TorchSharp;
using Microsoft.ML.Gan.Networks;
using Microsoft.ML.Gan.Training;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Tests;

/// <summary>
/// <see cref="WeightNormDense.DirectionGradientInOnePass"/>: the direction's gradient computed in one pass after the
/// backward pass is autograd's to the bit, and every other gradient is unchanged (in bfloat16, within 1e-6: the layers'
/// sums over rows add in another order, <see cref="DenseKernels.LayerGradientSums"/>); Adam given it as its terms updates as
/// from the gradient itself.
/// </summary>
[TestClass]
public sealed class DirectionGradientTests
{
    [TestMethod]
    [DataRow(ScalarType.Float32)]
    [DataRow(ScalarType.BFloat16)]
    public void OnePassGradientsAreAutograds(ScalarType productType)
    {
        // Two layers as in the discriminator (a ReLU between, the last with a trained scale), widths with and without vector
        // tails. A layer with the one-pass gradient runs as TrainingLogits, whose bfloat16 products from MKL's GEMM stay
        // unrounded in float32, so both take libtorch's products here.
        using var libtorch = productType == ScalarType.BFloat16 ? BFloat16Product.LibtorchOnly() : (IDisposable?)null;
        var (viaAutograd, viaAutogradInput) = Gradients(productType, onePass: false);
        var (onePass, onePassInput) = Gradients(productType, onePass: true);
        Assert.AreEqual(viaAutograd.Length, onePass.Length);
        for (int i = 0; i < onePass.Length; i++)
        {
            if (viaAutograd[i].Gradient is null)
            {
                Assert.IsNull(onePass[i].Gradient, onePass[i].Name);
                continue;
            }
            Assert.IsNotNull(onePass[i].Gradient, onePass[i].Name);
            if (productType == ScalarType.BFloat16)
            {
                // In bfloat16 the sums over rows of b's and g's gradients (and the direction's terms) add in runs of 16 rows.
                double error = onePass[i].Gradient!.sub(viaAutograd[i].Gradient!).norm().item<float>() / viaAutograd[i].Gradient!.norm().item<float>();
                Assert.IsTrue(error < 1e-6, $"{onePass[i].Name}: {error:E2}");
                continue;
            }
            Assert.AreEqual(0L, viaAutograd[i].Gradient!.ne(onePass[i].Gradient!).sum().item<long>(), onePass[i].Name);
        }
        Assert.AreEqual(0L, viaAutogradInput.ne(onePassInput).sum().item<long>(), "input gradient");
    }

    [TestMethod]
    public void ASecondTrainingForwardPassBeforeTheGradientIsCompletedThrows()
    {
        using var scope = NewDisposeScope();
        using var direction = randn([5, 3]);
        using var layer = new WeightNormDense("dense", 3, 5, trainScale: false, direction) { DirectionGradientInOnePass = true };
        using var input = rand([4, 3]);
        layer.forward(input).sum().backward();
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => layer.forward(input));
        StringAssert.Contains(error.Message, "dense");
        layer.CompleteDirectionGradient();
        layer.forward(input).sum().backward();
        layer.CompleteDirectionGradient();
    }

    [TestMethod]
    [DataRow(ScalarType.Float32, true)]
    [DataRow(ScalarType.BFloat16, true)]
    [DataRow(ScalarType.BFloat16, false)]
    public void AdamGivenTheGradientsTermsUpdatesAsFromTheCompletedGradient(ScalarType productType, bool onePass)
    {
        // Three updates with a moving average; the first layer's 196,750 weights span several of the kernel's blocks,
        // whose edges fall inside rows, and both threads.
        var completed = Updated(productType, onePass, taken: false);
        var taken = Updated(productType, onePass, taken: true);
        for (int i = 0; i < completed.Length; i++)
            Assert.AreEqual(0L, completed[i].ne(taken[i]).sum().item<long>(), $"tensor {i}");
    }

    /// <summary>Parameters, moments and averages of two layers after three Adam steps, each direction's gradient completed or taken as its terms (<see cref="DirectionGradients"/>).</summary>
    private static Tensor[] Updated(ScalarType productType, bool onePass, bool taken)
    {
        using var random = new Generator(12);
        using var first = new WeightNormDense("first", 787, 250, trainScale: false, randn([250, 787], generator: random).mul(0.05)) { ProductType = productType, DirectionGradientInOnePass = true };
        using var second = new WeightNormDense("second", 250, 13, trainScale: true, randn([13, 250], generator: random).mul(0.05)) { ProductType = productType, DirectionGradientInOnePass = true };
        var parameters = first.parameters().Concat(second.parameters()).Where(p => p.requires_grad).ToArray();
        var average = new ExponentialMovingAverage(parameters.Select(p => (p, new TorchSharp.Modules.Parameter(zeros_like(p), requires_grad: false))), 1e-4);
        using var adam = new Adam(parameters, 0.0003, 0.5, 0.999, onePass: onePass);
        using var collected = taken ? new DirectionGradients([first, second]) : null;
        for (int step = 0; step < 3; step++)
        {
            using var scope = NewDisposeScope();
            var input = rand([300, 787], generator: random);
            var weights = randn([300, 13], generator: random);
            adam.ZeroGrad();
            second.forward(nn.functional.relu(first.forward(input))).mul(weights).sum().backward();
            if (taken)
            {
                adam.Step(average, collected!.Take());
                collected.Release();
            }
            else
            {
                first.CompleteDirectionGradient();
                second.CompleteDirectionGradient();
                adam.Step(average);
            }
        }
        return parameters.Select(p => p.detach().clone()).Concat(adam.Moments.Select(m => m.clone()))
            .Concat(parameters.Select(p => average.AverageOf(p)!.detach().clone())).ToArray();
    }

    private static ((string Name, Tensor? Gradient)[] Parameters, Tensor Input) Gradients(ScalarType productType, bool onePass)
    {
        using var random = new Generator(11);
        using var first = new WeightNormDense("first", 787, 250, trainScale: false, randn([250, 787], generator: random).mul(0.05)) { ProductType = productType, DirectionGradientInOnePass = onePass };
        using var second = new WeightNormDense("second", 250, 13, trainScale: true, randn([13, 250], generator: random).mul(0.05)) { ProductType = productType, DirectionGradientInOnePass = onePass };
        using (no_grad())
        {
            second.Scale.copy_(rand([13], generator: random).add(0.5));
            second.Bias.copy_(randn([13], generator: random));
        }
        var input = rand([300, 787], generator: random).requires_grad_(true);
        using var weights = randn([300, 13], generator: random);
        using (var scope = NewDisposeScope())
        {
            var hidden = nn.functional.relu(first.forward(input));
            second.forward(hidden).mul(weights).sum().backward();
        }
        first.CompleteDirectionGradient();
        second.CompleteDirectionGradient();
        var parameters = first.named_parameters().Concat(second.named_parameters())
            .Select(p => (p.name, p.parameter.grad?.clone().DetachFromDisposeScope())).ToArray();
        return (parameters, input.grad!.clone());
    }
}
