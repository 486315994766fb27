using TorchSharp;
using Microsoft.ML.Gan.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Tests;

/// <summary>
/// <see cref="TrainingLogits"/>: the discriminator's layers in training mode as one autograd node give the logits and
/// every parameter's gradient (and the input's) of the modules' own operations to the bit, with the same noise draws.
/// </summary>
[TestClass]
public sealed class TrainingLogitsTests
{
    [TestMethod]
    [DataRow(300, false, ScalarType.BFloat16)]
    [DataRow(7, true, ScalarType.BFloat16)]
    [DataRow(300, false, ScalarType.Float32)]
    [DataRow(7, true, ScalarType.Float32)]
    public void LogitsAndGradientsAreTheModulesToTheBit(int rows, bool inputGradient, ScalarType productType)
    {
        // Widths with vector tails; 300 rows of 787 run the first layer's passes on libtorch's threads.
        using var scope = NewDisposeScope();
        using var random = new Generator(3);
        var noise = new GaussianNoiseSource(4);
        using var discriminator = new MlpDiscriminator(787, [250, 37, 19], 10, 0.3, 0.5, 0.05, random, noise);
        var layers = discriminator.modules().OfType<WeightNormDense>().ToArray();
        foreach (var layer in layers)
        {
            layer.ProductType = productType;
            layer.DirectionGradientInOnePass = true;
            using (no_grad())
                layer.Bias.copy_(randn(layer.Bias.shape, generator: random).mul(0.3));
        }
        using (no_grad())
            discriminator.OutputLayer.Scale.copy_(rand([10], generator: random).add(0.5));
        discriminator.train();
        var input = rand([rows, 787], generator: random).mul(1.4).sub(0.2).requires_grad_(inputGradient);
        var weights = randn([rows, 10], generator: random);

        Assert.IsTrue(discriminator.TrainsInOneNode(input), "the layers take the one-node path");
        long draws = noise.Draws;
        var (logits, gradients) = LogitsAndGradients(discriminator, x => discriminator.Logits(x, null), input, weights);
        Assert.AreEqual(draws + 4, noise.Draws, "one noise draw per layer input");
        noise.Draws = draws;
        var (moduleLogits, moduleGradients) = LogitsAndGradients(discriminator, x => ModuleLogits(discriminator, x), input, weights);

        Assert.AreEqual(0L, logits.ne(moduleLogits).sum().item<long>(), "logits");
        Assert.AreEqual(moduleGradients.Length, gradients.Length);
        for (int i = 0; i < gradients.Length; i++)
        {
            Assert.AreEqual(moduleGradients[i].Name, gradients[i].Name);
            if (moduleGradients[i].Gradient is null)
            {
                Assert.IsNull(gradients[i].Gradient, gradients[i].Name);
                continue;
            }
            Assert.IsNotNull(gradients[i].Gradient, gradients[i].Name);
            Assert.AreEqual(0L, gradients[i].Gradient!.ne(moduleGradients[i].Gradient!).sum().item<long>(), gradients[i].Name);
        }
        Assert.AreEqual(inputGradient ? 10 : 9, gradients.Count(g => g.Gradient is not null), "v and b of four layers, g of the output layer, and the input's when it has one");
    }

    private static (Tensor Logits, (string Name, Tensor? Gradient)[] Gradients) LogitsAndGradients(MlpDiscriminator discriminator, Func<Tensor, Tensor> logits, Tensor input, Tensor weights)
    {
        var values = logits(input);
        values.mul(weights).sum().backward();
        foreach (var layer in discriminator.modules().OfType<WeightNormDense>())
            layer.CompleteDirectionGradient();
        var gradients = discriminator.named_parameters().Select(p => (p.name, p.parameter.grad?.clone()))
            .Append(("input", input.grad?.clone())).ToArray();
        foreach (var parameter in discriminator.parameters())
            parameter.grad = null;
        input.grad = null;
        return (values, gradients);
    }

    /// <summary>The layers as the modules run them: the noise layers, the dense layers with ReLU, the last noise and the output layer.</summary>
    private static Tensor ModuleLogits(MlpDiscriminator discriminator, Tensor input)
    {
        var noises = discriminator.modules().OfType<GaussianNoise>().ToArray();
        var hidden = discriminator.modules().OfType<WeightNormDense>().Where(l => l != discriminator.OutputLayer).ToArray();
        var x = input;
        for (int i = 0; i < hidden.Length; i++)
            x = nn.functional.relu(hidden[i].forward(noises[i].forward(x)), inplace: true);
        return discriminator.OutputLayer.forward(noises[^1].forward(x));
    }
}
