using TorchSharp;
using Microsoft.ML.Gan.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Tests;

/// <summary>
/// <see cref="TrainingLogits"/>: the discriminator's layers in training mode as one autograd node give the logits and
/// every parameter's gradient (and the input's) of the modules' own operations with the same noise draws, to the bit, with
/// libtorch's bfloat16 products; with MKL's float32 ones, they are at least as close to the network in float64.
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
        using var scope = NewDisposeScope();
        // float32 products are libtorch's whether or not MKL's bfloat16 GEMM runs here.
        using var libtorch = productType == ScalarType.BFloat16 ? BFloat16Product.LibtorchOnly() : (IDisposable?)null;
        var (logits, gradients, moduleLogits, moduleGradients) = NodeAndModules(rows, inputGradient, productType: productType);

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

    /// <summary>
    /// With MKL's products in float32 (where this machine's MKL runs them; <see cref="BFloat16Product.UsesMkl"/>), the
    /// node's logits are closer than with libtorch's bfloat16 products to the same network without bfloat16 (float64, no
    /// rounding of inputs, directions or products). The gradients' distances are mostly the bfloat16 rounding of the
    /// gradients and ReLU's masks, which both share, so each is held to 1.5 times libtorch's (0.3-9%; wrong operands would
    /// give about 100%). Relative errors, as norms.
    /// </summary>
    [TestMethod]
    [DataRow(300, false)]
    [DataRow(7, true)]
    public void WithMklProductsTheNodeIsAtLeastAsCloseToFloat64(int rows, bool inputGradient)
    {
        using var scope = NewDisposeScope();
        var (mklLogits, mklGradients, exactLogits, exactGradients) = NodeAndModules(rows, inputGradient, float64Modules: true);
        Tensor libtorchLogits;
        (string Name, Tensor? Gradient)[] libtorchGradients;
        using (BFloat16Product.LibtorchOnly())
            (libtorchLogits, libtorchGradients, _, _) = NodeAndModules(rows, inputGradient, float64Modules: true);

        double mklError = RelativeError(mklLogits, exactLogits), libtorchError = RelativeError(libtorchLogits, exactLogits);
        if (BFloat16Product.UsesMkl)
            Assert.IsTrue(mklError < libtorchError, $"logits: {mklError:E2} with MKL's products, {libtorchError:E2} with libtorch's");
        else
            Assert.AreEqual(libtorchError, mklError, "without MKL both passes are libtorch's");
        for (int i = 0; i < exactGradients.Length; i++)
        {
            if (exactGradients[i].Gradient is not { } exact)
                continue;
            double mkl = RelativeError(mklGradients[i].Gradient!, exact), libtorch = RelativeError(libtorchGradients[i].Gradient!, exact);
            Assert.IsTrue(mkl <= 1.5 * libtorch, $"{exactGradients[i].Name}: {mkl:E2} with MKL's products, {libtorch:E2} with libtorch's");
        }
    }

    /// <summary>
    /// The layers' pass outside autograd (<see cref="TrainingLogits.Pass"/>, the discriminator's step with its loss's
    /// gradient computed in closed form) gives the node's logits and, given the logits' gradient, every parameter's
    /// gradient, to the bit.
    /// </summary>
    [TestMethod]
    [DataRow(ScalarType.BFloat16)]
    [DataRow(ScalarType.Float32)]
    public void PassOutsideAutogradIsTheNodeToTheBit(ScalarType productType)
    {
        using var scope = NewDisposeScope();
        using var random = new Generator(5);
        var noise = new GaussianNoiseSource(6);
        using var discriminator = new MlpDiscriminator(787, [250, 37, 19], 10, 0.3, 0.5, 0.05, random, noise);
        foreach (var layer in discriminator.modules().OfType<WeightNormDense>())
            (layer.ProductType, layer.DirectionGradientInOnePass) = (productType, true);
        using (no_grad())
            discriminator.OutputLayer.Scale.copy_(rand([10], generator: random).add(0.5));
        discriminator.train();
        var input = rand([300, 787], generator: random);
        var weights = randn([300, 10], generator: random);

        long draws = noise.Draws;
        var (logits, gradients) = LogitsAndGradients(discriminator, x => discriminator.Logits(x, null), input, weights);
        noise.Draws = draws;
        Tensor passLogits;
        using (var pass = discriminator.TrainingPass(input) ?? throw new AssertFailedException("no pass outside autograd"))
        {
            passLogits = pass.Output.clone();
            pass.Backward(weights);
        }
        foreach (var layer in discriminator.modules().OfType<WeightNormDense>())
            layer.CompleteDirectionGradient();

        Assert.AreEqual(0L, passLogits.ne(logits).sum().item<long>(), "logits");
        foreach (var (name, parameter) in discriminator.named_parameters())
        {
            var expected = gradients.Single(g => g.Name == name).Gradient;
            if (expected is null)
            {
                Assert.IsNull(parameter.grad, name);
                continue;
            }
            Assert.AreEqual(0L, parameter.grad!.ne(expected).sum().item<long>(), name);
        }
    }

    private static double RelativeError(Tensor actual, Tensor exact) =>
        actual.to(ScalarType.Float64).sub(exact).norm().item<double>() / exact.norm().item<double>();

    /// <summary>
    /// The logits and gradients of one weighted sum of the logits, through the node and through the modules' operations,
    /// with the same noise draws. Widths with vector tails; 300 rows of 787 run the first layer's passes on libtorch's threads.
    /// </summary>
    private static (Tensor Logits, (string Name, Tensor? Gradient)[] Gradients, Tensor ModuleLogits, (string Name, Tensor? Gradient)[] ModuleGradients)
        NodeAndModules(int rows, bool inputGradient, bool float64Modules = false, ScalarType productType = ScalarType.BFloat16)
    {
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
        if (float64Modules)
        {
            foreach (var layer in layers)
                (layer.ProductType, layer.DirectionGradientInOnePass) = (ScalarType.Float32, false);
            discriminator.to(ScalarType.Float64);
            (input, weights) = (input.to(ScalarType.Float64).detach().requires_grad_(inputGradient), weights.to(ScalarType.Float64));
        }
        var (moduleLogits, moduleGradients) = LogitsAndGradients(discriminator, x => ModuleLogits(discriminator, x), input, weights);
        return (logits, gradients, moduleLogits, moduleGradients);
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
