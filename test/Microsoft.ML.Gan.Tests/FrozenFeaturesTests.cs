using TorchSharp;
using Microsoft.ML.Gan.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Tests;

/// <summary>
/// <see cref="FrozenFeatures"/>: feature matching's two passes over the frozen discriminator as one autograd node give
/// the real and generated rows' features and the generated rows' gradient of the modules' own two passes to the bit,
/// with the same noise draws.
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
        // Widths with vector tails; 300 rows of 787 run the first layer's passes on libtorch's threads.
        using var scope = NewDisposeScope();
        using var random = new Generator(5);
        var noise = new GaussianNoiseSource(9);
        using var discriminator = new MlpDiscriminator(787, [250, 37, 19], 10, 0.3, 0.5, 0.05, random, noise);
        foreach (var layer in discriminator.modules().OfType<WeightNormDense>())
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
        var (oneReal, oneGenerated, oneGradient) = FeaturesAndGradient(discriminator.MatchedFeatures, real, generated, target);
        Assert.AreEqual(draws + 6, noise.Draws, "one noise draw per layer input and set of rows");
        noise.Draws = draws;
        var (moduleReal, moduleGenerated, moduleGradient) = FeaturesAndGradient((r, generate) =>
        {
            Tensor realFeatures;
            using (no_grad())
                realFeatures = ModuleFeatures(discriminator, r);
            return (realFeatures, ModuleFeatures(discriminator, generate()));
        }, real, generated, target);

        Assert.AreEqual(0L, oneReal.ne(moduleReal).sum().item<long>(), "real rows' features");
        Assert.AreEqual(0L, oneGenerated.ne(moduleGenerated).sum().item<long>(), "generated rows' features");
        Assert.AreEqual(0L, oneGradient.ne(moduleGradient).sum().item<long>(), "generated rows' gradient");
        Assert.IsFalse(oneReal.requires_grad, "the real rows' features have no gradient");
        Assert.IsTrue(oneGenerated.gt(0).any().item<bool>() && oneGenerated.eq(0).any().item<bool>(), "ReLU both passes and stops values");
        discriminator.ThawWeights();
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
