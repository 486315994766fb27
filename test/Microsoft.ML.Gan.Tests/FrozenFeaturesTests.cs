using TorchSharp;
using Microsoft.ML.Gan.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Tests;

/// <summary>
/// <see cref="FrozenFeatures"/>: the frozen discriminator's hidden layers in one autograd node give the features and the
/// input's gradient of the module's own operations to the bit, with the same noise draws, with and without a gradient.
/// </summary>
[TestClass]
public sealed class FrozenFeaturesTests
{
    [TestMethod]
    [DataRow(300)]
    [DataRow(7)]
    public void FeaturesAndInputGradientAreTheModulesToTheBit(int rows)
    {
        // Widths with vector tails; 300 rows of 787 run the first layer's passes on libtorch's threads.
        using var scope = NewDisposeScope();
        using var random = new Generator(5);
        var noise = new GaussianNoiseSource(9);
        using var discriminator = new MlpDiscriminator(787, [250, 37, 19], 10, 0.3, 0.5, 0.05, random, noise);
        foreach (var layer in discriminator.modules().OfType<WeightNormDense>())
        {
            layer.ProductType = ScalarType.BFloat16;
            using (no_grad())
                layer.Bias.copy_(randn(layer.Bias.shape, generator: random).mul(0.3));
        }
        discriminator.train();
        discriminator.FreezeWeights();
        var input = rand([rows, 787], generator: random).mul(1.4).sub(0.2).requires_grad_(true);
        var target = rand([19], generator: random);

        Assert.IsNotNull(discriminator.FrozenLayers(input), "the frozen layers take the fused path");
        long draws = noise.Draws;
        var (fused, fusedGradient) = FeaturesAndGradient(discriminator.Features, input, target);
        Assert.AreEqual(draws + 3, noise.Draws, "one noise draw per layer input");
        noise.Draws = draws;
        var (module, moduleGradient) = FeaturesAndGradient(x => ModuleFeatures(discriminator, x), input, target);

        Assert.AreEqual(0L, fused.ne(module).sum().item<long>(), "features");
        Assert.AreEqual(0L, fusedGradient.ne(moduleGradient).sum().item<long>(), "input gradient");
        Assert.IsTrue(fused.gt(0).any().item<bool>() && fused.eq(0).any().item<bool>(), "ReLU both passes and stops values");
        using (no_grad())
        {
            noise.Draws = draws;
            var withoutGradient = discriminator.Features(input);
            Assert.AreEqual(0L, withoutGradient.ne(module).sum().item<long>(), "features without a gradient");
        }
        discriminator.ThawWeights();
    }

    private static (Tensor Features, Tensor Gradient) FeaturesAndGradient(Func<Tensor, Tensor> features, Tensor input, Tensor target)
    {
        var values = features(input);
        values.mean([0L]).sub(target).pow(2).mean().backward();
        var gradient = input.grad!.clone();
        input.grad = null;
        return (values, gradient);
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
