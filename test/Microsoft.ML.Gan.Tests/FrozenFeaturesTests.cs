using TorchSharp;
using Microsoft.ML.Gan.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Tests;

/// <summary>
/// <see cref="FrozenFeatures"/>: feature matching's two passes over the frozen discriminator as one autograd node give
/// the real and generated rows' features and the generated rows' gradient of the modules' own two passes with the same
/// noise draws, to the bit, with libtorch's bfloat16 products; with MKL's float32 ones, they are at least as close to the
/// passes in float64.
/// </summary>
[TestClass]
public sealed class FrozenFeaturesTests
{
    [TestMethod]
    [DataRow(300, 300, ScalarType.BFloat16)]
    [DataRow(7, 5, ScalarType.BFloat16)]
    [DataRow(300, 300, ScalarType.Float32)]
    [DataRow(7, 5, ScalarType.Float32)]
    public void FeaturesAndGradientAreTheTwoModulePassesToTheBit(int realRows, int generatedRows, ScalarType productType)
    {
        using var scope = NewDisposeScope();
        // float32 products are libtorch's whether or not MKL's bfloat16 GEMM runs here.
        using var libtorch = productType == ScalarType.BFloat16 ? BFloat16Product.LibtorchOnly() : (IDisposable?)null;
        var ((oneReal, oneGenerated, oneGradient), (moduleReal, moduleGenerated, moduleGradient)) = NodeAndModules(realRows, generatedRows, productType: productType);

        Assert.AreEqual(0L, oneReal.ne(moduleReal).sum().item<long>(), "real rows' features");
        Assert.AreEqual(0L, oneGenerated.ne(moduleGenerated).sum().item<long>(), "generated rows' features");
        Assert.AreEqual(0L, oneGradient.ne(moduleGradient).sum().item<long>(), "generated rows' gradient");
        Assert.IsFalse(oneReal.requires_grad, "the real rows' features have no gradient");
        Assert.IsTrue(oneGenerated.gt(0).any().item<bool>() && oneGenerated.eq(0).any().item<bool>(), "ReLU both passes and stops values");
    }

    /// <summary>
    /// With MKL's products in float32 (where this machine's MKL runs them; <see cref="BFloat16Product.UsesMkl"/>), the
    /// node's features are closer than with libtorch's bfloat16 products to the same passes without bfloat16 (float64).
    /// The gradient's distance is mostly the bfloat16 rounding of the gradients and ReLU's masks, which both share, so it
    /// is held to 1.5 times libtorch's (about 8%; wrong operands would give about 100%). Relative errors, as norms.
    /// </summary>
    [TestMethod]
    [DataRow(300, 300)]
    [DataRow(7, 5)]
    public void WithMklProductsTheNodeIsAtLeastAsCloseToFloat64(int realRows, int generatedRows)
    {
        using var scope = NewDisposeScope();
        var (mkl, exact) = NodeAndModules(realRows, generatedRows, float64Modules: true);
        (Tensor Real, Tensor Generated, Tensor Gradient) libtorch;
        using (BFloat16Product.LibtorchOnly())
            (libtorch, _) = NodeAndModules(realRows, generatedRows, float64Modules: true);

        var features = new (string Name, Tensor Mkl, Tensor Libtorch, Tensor Exact)[]
        {
            ("real rows' features", mkl.Real, libtorch.Real, exact.Real),
            ("generated rows' features", mkl.Generated, libtorch.Generated, exact.Generated),
        };
        foreach (var (name, withMkl, withLibtorch, exactValues) in features)
        {
            double mklError = RelativeError(withMkl, exactValues), libtorchError = RelativeError(withLibtorch, exactValues);
            if (BFloat16Product.UsesMkl)
                Assert.IsTrue(mklError < libtorchError, $"{name}: {mklError:E2} with MKL's products, {libtorchError:E2} with libtorch's");
            else
                Assert.AreEqual(libtorchError, mklError, $"{name}: without MKL both passes are libtorch's");
        }
        double mklGradient = RelativeError(mkl.Gradient, exact.Gradient), libtorchGradient = RelativeError(libtorch.Gradient, exact.Gradient);
        Assert.IsTrue(mklGradient <= 1.5 * libtorchGradient, $"generated rows' gradient: {mklGradient:E2} with MKL's products, {libtorchGradient:E2} with libtorch's");
    }

    private static double RelativeError(Tensor actual, Tensor exact) =>
        actual.to(ScalarType.Float64).sub(exact).norm().item<double>() / exact.norm().item<double>();

    /// <summary>
    /// Features and gradient through the node and through the modules' two passes (in float64 without bfloat16 when
    /// <paramref name="float64Modules"/>), with the same noise draws. Widths with vector tails; 300 rows of 787 run the
    /// first layer's passes on libtorch's threads.
    /// </summary>
    private static ((Tensor Real, Tensor Generated, Tensor Gradient) Node, (Tensor Real, Tensor Generated, Tensor Gradient) Modules)
        NodeAndModules(int realRows, int generatedRows, bool float64Modules = false, ScalarType productType = ScalarType.BFloat16)
    {
        using var random = new Generator(5);
        var noise = new GaussianNoiseSource(9);
        using var discriminator = new MlpDiscriminator(787, [250, 37, 19], 10, 0.3, 0.5, 0.05, random, noise);
        var layers = discriminator.modules().OfType<WeightNormDense>().ToArray();
        foreach (var layer in layers)
        {
            layer.ProductType = productType;
            using (no_grad())
                layer.Bias.copy_(randn(layer.Bias.shape, generator: random).mul(0.3));
        }
        discriminator.train();
        discriminator.FreezeWeights();
        var real = rand([realRows, 787], generator: random).mul(1.4).sub(0.2);
        var generated = rand([generatedRows, 787], generator: random).mul(1.4).sub(0.2).requires_grad_(true);
        var target = rand([19], generator: random);

        Assert.IsNotNull(discriminator.FrozenLayers(real), "the frozen layers take the one-node path");
        long draws = noise.Draws;
        var node = FeaturesAndGradient(discriminator.MatchedFeatures, real, generated, target);
        Assert.AreEqual(draws + 6, noise.Draws, "one noise draw per layer input and set of rows");
        noise.Draws = draws;
        if (float64Modules)
        {
            discriminator.ThawWeights();
            foreach (var layer in layers)
                layer.ProductType = ScalarType.Float32;
            discriminator.to(ScalarType.Float64);
            discriminator.FreezeWeights();
            (real, generated, target) = (real.to(ScalarType.Float64), generated.to(ScalarType.Float64).detach().requires_grad_(true), target.to(ScalarType.Float64));
        }
        var modules = FeaturesAndGradient((r, generate) =>
        {
            Tensor realFeatures;
            using (no_grad())
                realFeatures = ModuleFeatures(discriminator, r);
            return (realFeatures, ModuleFeatures(discriminator, generate()));
        }, real, generated, target);
        discriminator.ThawWeights();
        return (node, modules);
    }

    private static (Tensor Real, Tensor Generated, Tensor Gradient) FeaturesAndGradient(Func<Tensor, Func<Tensor>, (Tensor, Tensor)> matchedFeatures,
        Tensor real, Tensor generated, Tensor target)
    {
        var (realFeatures, generatedFeatures) = matchedFeatures(real, () => generated);
        generatedFeatures.mean([0L]).sub(realFeatures.mean([0L])).sub(target).pow(2).mean().backward();
        var gradient = generated.grad!.clone();
        generated.grad = null;
        return (realFeatures, generatedFeatures, gradient);
    }

    /// <summary>The hidden layers as the modules run them: the noise layers, the frozen dense layers and ReLU.</summary>
    private static Tensor ModuleFeatures(MlpDiscriminator discriminator, Tensor input)
    {
        var noises = discriminator.modules().OfType<GaussianNoise>().ToArray();
        var hidden = discriminator.modules().OfType<WeightNormDense>().Where(l => l != discriminator.OutputLayer).ToArray();
        var x = input;
        for (int i = 0; i < hidden.Length; i++)
            x = nn.functional.relu(hidden[i].forward(noises[i].forward(x)), inplace: true);
        return x;
    }
}
