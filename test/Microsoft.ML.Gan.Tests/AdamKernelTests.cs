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
