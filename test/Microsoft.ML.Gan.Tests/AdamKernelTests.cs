using Microsoft.ML.Gan.Networks;
using Microsoft.ML.Gan.Runtime;
using Microsoft.ML.Gan.Training;
using Adam = Microsoft.ML.Gan.Training.Adam;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using Parameter = TorchSharp.Modules.Parameter;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Tests;

[TestClass]
public class AdamKernelTests
{
    [TestMethod]
    [DataRow(0.5, 0.999)]
    [DataRow(0.9, 0.99)]
    public void OnePassUpdateRoundsEveryElementAsLibtorchsKernels(double beta1, double beta2)
    {
        Assert.IsTrue(MklVectorMath.IsAvailable, "libtorch should bundle MKL's vmsSqrt on x86-64 Linux");
        // Sizes below one vector, with vector tails, at a block's edge, below and above the parallel size, and the MLP's largest weight.
        long[] sizes = [1, 7, 8, 9, 2047, 2048, 2049, 32767, 2 * 32768 + 4099, 784_000];
        using var scope = NewDisposeScope();
        using var random = new Generator(7);
        var starts = sizes.Select(n => randn([n], generator: random).mul(0.05)).ToArray();
        Parameter[] Copy() => starts.Select(s => new Parameter(s.clone(), requires_grad: true)).ToArray();
        var onePass = Copy();
        var kernels = Copy();
        using var fused = new Adam(onePass, 0.0003, beta1, beta2, onePass: true);
        using var reference = new Adam(kernels, 0.0003, beta1, beta2, onePass: false);
        // Gradients from 1e-7 to 1 in size, as the generator's feature-matching gradients are tiny and the discriminator's are not.
        foreach (double scale in new[] { 1.0, 1e-3, 1e-7, 1e-2, 0.3 })
        {
            for (int i = 0; i < sizes.Length; i++)
            {
                var gradient = randn([sizes[i]], generator: random).mul(scale);
                onePass[i].grad = gradient.clone();
                kernels[i].grad = gradient;
            }
            fused.Step();
            reference.Step();
        }
        for (int i = 0; i < sizes.Length; i++)
        {
            using var differ = onePass[i].ne(kernels[i]).sum();
            Assert.AreEqual(0L, differ.item<long>(), $"parameter of {sizes[i]} elements");
        }
        var moments = fused.Moments.Zip(reference.Moments).ToArray();
        for (int i = 0; i < moments.Length; i++)
        {
            using var differ = moments[i].First.ne(moments[i].Second).sum();
            Assert.AreEqual(0L, differ.item<long>(), $"moment {i}");
        }
    }

    [TestMethod]
    public void OnePassUpdateMovesTheAverageAsLibtorchsLerp()
    {
        long[] sizes = [1, 7, 9, 2049, 2 * 32768 + 4099, 784_000];
        using var scope = NewDisposeScope();
        using var random = new Generator(11);
        var starts = sizes.Select(n => randn([n], generator: random).mul(0.05)).ToArray();
        Parameter[] Copy() => starts.Select(s => new Parameter(s.clone(), requires_grad: true)).ToArray();
        var onePass = Copy();
        var kernels = Copy();
        using var fused = new Adam(onePass, 0.0003, 0.5, 0.999, onePass: true);
        using var reference = new Adam(kernels, 0.0003, 0.5, 0.999, onePass: false);
        // Warm-up rates 9/15 ... 9/19 cross lerp's switch at 0.5; the last parameter has no gradient, so the average moves it alone.
        var fusedAverage = new ExponentialMovingAverage(onePass.Zip(Copy()), 1e-4) { Updates = 5 };
        var referenceAverage = new ExponentialMovingAverage(kernels.Zip(Copy()), 1e-4) { Updates = 5 };
        for (int step = 0; step < 5; step++)
        {
            for (int i = 0; i < sizes.Length - 1; i++)
            {
                var gradient = randn([sizes[i]], generator: random).mul(1e-2);
                onePass[i].grad = gradient.clone();
                kernels[i].grad = gradient;
            }
            using (no_grad())
            {
                onePass[^1].add_(0.01);
                kernels[^1].add_(0.01);
            }
            fused.Step(fusedAverage);
            reference.Step();
            referenceAverage.Update();
        }
        Assert.AreEqual(10L, fusedAverage.Updates);
        for (int i = 0; i < sizes.Length; i++)
        {
            var moved = fusedAverage.AverageOf(onePass[i])!;
            using var differ = moved.ne(referenceAverage.AverageOf(kernels[i])!).sum();
            Assert.AreEqual(0L, differ.item<long>(), $"average of {sizes[i]} elements");
            using var still = moved.ne(starts[i]).sum();
            Assert.IsGreaterThan(0L, still.item<long>(), $"the average of {sizes[i]} elements moved");
        }
    }

    [TestMethod]
    public void TheAverageKnowsEveryParameterTheDiscriminatorsOptimiserUpdates()
    {
        using var scope = NewDisposeScope();
        using var random = new Generator(5);
        var noise = new GaussianNoiseSource(9);
        using var discriminator = new MlpDiscriminator(787, [250, 37, 19], 10, 0.3, 0.5, 0.05, random, noise);
        using var averaged = new MlpDiscriminator(787, [250, 37, 19], 10, 0.3, 0.5, 0.05, random, noise);
        var average = new ExponentialMovingAverage(discriminator, averaged, 1e-4);
        foreach (var parameter in discriminator.parameters().Where(p => p.requires_grad))
            Assert.IsNotNull(average.AverageOf(parameter), "the optimiser's parameter objects are the ones the average pairs by name");
    }

    [TestMethod]
    public void OnePassIsUsedByDefaultWhereItRoundsAsLibtorch()
    {
        Assert.IsTrue(Adam.OnePassIsExact, "on x86-64 Linux with libtorch's MKL the one-pass update should reproduce libtorch's kernels");
    }

    [TestMethod]
    public void ParametersOtherThanContiguousFloat32TakeLibtorchsKernels()
    {
        using var scope = NewDisposeScope();
        var wide = new Parameter(ones(4, 3, dtype: ScalarType.Float64), requires_grad: true);
        var strided = new Parameter(ones(3, 4).t(), requires_grad: true);
        Assert.IsFalse(AdamKernel.Applies(wide, ones(4, 3, dtype: ScalarType.Float64)));
        Assert.IsFalse(AdamKernel.Applies(strided, ones(4, 3)));
        using var adam = new Adam([wide], 0.1, 0.5, 0.999);
        wide.grad = ones(4, 3, dtype: ScalarType.Float64);
        adam.Step();
        // Step 1 moves each weight by lr * g / sqrt(g^2 + eps), about 0.1.
        Assert.AreEqual(0.9, wide.data<double>()[0], 1e-6);
    }
}
