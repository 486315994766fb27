using Microsoft.ML.Gan.Networks;
using Microsoft.ML.Gan.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Tests;

/// <summary>
/// Virtual adversarial training's term on hand-made linear networks, logits W x + b, whose Hessian of the divergence at
/// the rows is known in closed form: H = W^T (diag(p) - p p^T) W over the K real classes, so one power iteration from d
/// must point along H d.
/// </summary>
[TestClass]
public sealed class VirtualAdversarialLossTests
{
    private const int Rows = 16, Inputs = 8, Classes = 3;

    private static Tensor Random(long[] shape, ulong seed, ScalarType type = ScalarType.Float64)
    {
        using var random = new Generator(seed);
        return randn(shape, dtype: type, generator: random);
    }

    private static Func<Tensor, Tensor> Linear(Tensor weight, Tensor bias) => x => x.matmul(weight.t()).add(bias);

    private static double[] RowNorms(Tensor rows) => rows.to(ScalarType.Float64).norm(1).data<double>().ToArray();

    /// <summary>The mean over rows of the cosine between <paramref name="a"/> and <paramref name="b"/>.</summary>
    private static double MeanCosine(Tensor a, Tensor b)
    {
        using var x = a.to(ScalarType.Float64);
        using var y = b.to(ScalarType.Float64);
        return (x * y).sum(1).div(x.norm(1) * y.norm(1)).mean().item<double>();
    }

    /// <summary>H d per row from the closed form, in float64.</summary>
    private static Tensor HessianTimes(Tensor weight, Tensor target, Tensor direction)
    {
        var w = weight.to(ScalarType.Float64);
        var p = target.to(ScalarType.Float64).exp();
        var change = direction.to(ScalarType.Float64).matmul(w.t());
        var fisherTimesChange = p * change - p * (p * change).sum(1, keepdim: true);
        return fisherTimesChange.matmul(w);
    }

    [TestMethod]
    public void TheTermIsPositiveForALinearNetworkAndZeroForAConstantOne()
    {
        using var scope = NewDisposeScope();
        var x = Random([Rows, Inputs], 1);
        using (var random = new Generator(2))
        {
            var loss = VirtualAdversarialLoss.Compute(Linear(Random([Classes, Inputs], 3), Random([Classes], 4)), x, epsilon: 1.0, xi: 1e-3, random);
            Assert.IsGreaterThan(1e-3, loss.item<double>());
        }
        using (var random = new Generator(2))
        {
            var constant = Linear(zeros(Classes, Inputs, dtype: ScalarType.Float64), Random([Classes], 4));
            var loss = VirtualAdversarialLoss.Compute(constant, x, epsilon: 1.0, xi: 1e-3, random);
            Assert.AreEqual(0.0, loss.item<double>(), "a network that ignores its input has nothing to smooth");
            var target = VirtualAdversarialLoss.LogProbabilities(constant(x));
            var perturbation = VirtualAdversarialLoss.Perturbation(constant, x, target, Random([Rows, Inputs], 5), epsilon: 1.0, xi: 1e-3);
            CollectionAssert.AreEqual(new double[Rows], RowNorms(perturbation), "a zero gradient gives no perturbation");
        }
    }

    [TestMethod]
    public void TheTermIgnoresWhatMovesAllKLogitsTogetherTheRealOrGeneratedDecision()
    {
        using var scope = NewDisposeScope();
        var weight = Random([Classes, Inputs], 3);
        var bias = Random([Classes], 4);
        var realness = Random([1, Inputs], 7).mul(5);
        var x = Random([Rows, Inputs], 1);
        using var first = new Generator(2);
        double digitsOnly = VirtualAdversarialLoss.Compute(Linear(weight, bias), x, epsilon: 1.0, xi: 1e-3, first).item<double>();
        using var second = new Generator(2);
        double withRealness = VirtualAdversarialLoss.Compute(Linear(weight.add(realness), bias), x, epsilon: 1.0, xi: 1e-3, second).item<double>();
        Assert.IsGreaterThan(1e-3, digitsOnly);
        Assert.AreEqual(digitsOnly, withRealness, 1e-9 * digitsOnly,
            "adding one input direction to all K logits changes only how real a row looks (their log-sum-exp), not which class it is");
    }

    [TestMethod]
    public void ThePerturbationHasNormEpsilonPerRowAndIsOnePowerIterationAlongWhichTheDivergenceGrows()
    {
        using var scope = NewDisposeScope();
        var weight = Random([Classes, Inputs], 3);
        var network = Linear(weight, Random([Classes], 4));
        var x = Random([Rows, Inputs], 1);
        var direction = Random([Rows, Inputs], 5);
        var target = VirtualAdversarialLoss.LogProbabilities(network(x));
        var perturbation = VirtualAdversarialLoss.Perturbation(network, x, target, direction, epsilon: 0.5, xi: 1e-5);

        foreach (double norm in RowNorms(perturbation))
            Assert.AreEqual(0.5, norm, 1e-6);
        double cosine = MeanCosine(perturbation, HessianTimes(weight, target, direction));
        Assert.IsGreaterThan(0.9999, cosine, $"r_adv points along H d (mean cosine {cosine:F6})");

        var other = Random([Rows, Inputs], 6);
        var sameNorm = other.div(other.norm(1, keepdim: true)).mul(0.5);
        var perRowAdversarial = Divergences(target, network(x + perturbation));
        var perRowRandom = Divergences(target, network(x + sameNorm));
        Assert.IsGreaterThan(3 * perRowRandom.Average(), perRowAdversarial.Average(), "the divergence grows faster along r_adv than along a random direction");
        Assert.IsGreaterThanOrEqualTo(Rows - 2, perRowAdversarial.Zip(perRowRandom).Count(p => p.First > p.Second), "and does so in (nearly) every row");
    }

    private static double[] Divergences(Tensor target, Tensor logits) =>
        Enumerable.Range(0, Rows).Select(i => VirtualAdversarialLoss.Divergence(target.narrow(0, i, 1), logits.narrow(0, i, 1)).item<double>()).ToArray();

    [TestMethod]
    public void InFloat32TheDefaultStepFindsThePowerIterationsDirectionAndMiyatosStepDoesNot()
    {
        using var scope = NewDisposeScope();
        double xi = new SemiSupervisedGanTrainer.Options().VirtualAdversarialXi;
        var weight = Random([Classes, Inputs], 3, ScalarType.Float32).mul(4);
        var network = Linear(weight, Random([Classes], 4, ScalarType.Float32).mul(4));
        var x = Random([Rows, Inputs], 1, ScalarType.Float32);
        var direction = Random([Rows, Inputs], 5, ScalarType.Float32);
        var target = VirtualAdversarialLoss.LogProbabilities(network(x));
        var exact = HessianTimes(weight, target, direction);

        var withDefault = VirtualAdversarialLoss.Perturbation(network, x, target, direction, epsilon: 1.0, xi: xi);
        var withMiyatos = VirtualAdversarialLoss.Perturbation(network, x, target, direction, epsilon: 1.0, xi: 1e-6);
        double defaultCosine = MeanCosine(withDefault, exact), miyatosCosine = MeanCosine(withMiyatos, exact);
        Assert.IsGreaterThan(0.95, defaultCosine, $"xi = {xi}: mean cosine with H d {defaultCosine:F3}");
        Assert.IsLessThan(0.9, miyatosCosine, $"xi = 1e-6: mean cosine with H d {miyatosCosine:F3}, lost in float32 rounding");
    }

    [TestMethod]
    public void ThePowerIterationLeavesTheParametersGradientsUntouched()
    {
        using var scope = NewDisposeScope();
        var weight = Random([Classes, Inputs], 3).requires_grad_(true);
        var network = Linear(weight, Random([Classes], 4));
        var x = Random([Rows, Inputs], 1);
        VirtualAdversarialLoss.Perturbation(network, x, VirtualAdversarialLoss.LogProbabilities(network(x)).detach(), Random([Rows, Inputs], 5), epsilon: 1.0, xi: 1e-3);
        Assert.IsNull(weight.grad, "the gradient of the divergence is taken with respect to the perturbation alone");

        using var random = new Generator(2);
        VirtualAdversarialLoss.Compute(network, x, epsilon: 1.0, xi: 1e-3, random).backward();
        Assert.IsNotNull(weight.grad, "the term itself reaches the parameters");
    }

    [TestMethod]
    public void ADiscriminatorStepWithTheTermLeavesNoTensorAlive()
    {
        const int batch = 4;
        var options = new SemiSupervisedGanTrainer.Options { BatchSize = batch, NoiseSize = 4, VirtualAdversarialWeight = 1 };
        var noise = new GaussianNoiseSource(1);
        using var random = new Generator(1);
        using var discriminator = new MlpDiscriminator(Inputs, [6], Classes, 0.3, 0.5, 0.05, random, noise);
        using var generator = new MlpGenerator(options.NoiseSize, [5], Inputs, random);
        discriminator.train();
        generator.train();
        using var labeled = rand(batch, Inputs, generator: random);
        using var classes = randint(Classes, [batch], generator: random, dtype: ScalarType.Int64);
        using var unlabeled = rand(batch, Inputs, generator: random);
        using var step = new DiscriminatorStep(options, discriminator, generator, CPU, random, noise, new PhaseClock(), new int[Classes]);
        long[] alive = new long[4];
        for (int i = 0; i < alive.Length; i++)
        {
            using (NewDisposeScope())
                step.Run(labeled, classes, unlabeled, instanceNoise: 0.1);
            alive[i] = DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;
        }
        Assert.AreEqual(alive[1], alive[3], $"tensors alive after steps 1-4: {string.Join(", ", alive)}");
        Assert.IsNotNull(discriminator.OutputLayer.parameters().First().grad, "the step trained the discriminator");
    }

    [TestMethod]
    public void NoiseReplayGivesEveryPassTheFirstPassesNoise()
    {
        using var scope = NewDisposeScope();
        var noise = new GaussianNoiseSource(1);
        using var random = new Generator(1);
        using var network = new MlpDiscriminator(Inputs, [6], Classes, 0.3, 0.5, 0.05, random, noise);
        network.train();
        var x = Random([Rows, Inputs], 1, ScalarType.Float32);
        long before = noise.Draws;
        Tensor first, second;
        using (var replay = new NoiseReplay(noise, random))
        {
            first = replay.Run(() => network.Logits(x, null));
            long afterOnePass = noise.Draws;
            second = replay.Run(() => network.Logits(x, null));
            Assert.IsGreaterThan(before, afterOnePass, "the network draws noise");
            Assert.AreEqual(afterOnePass, noise.Draws, "the sources stand where one pass leaves them");
        }
        Assert.IsTrue(first.eq(second).all().item<bool>(), "the second pass drew the same noise");
        Assert.IsFalse(first.eq(network.Logits(x, null)).all().item<bool>(), "outside the replay the noise is new");
    }
}
