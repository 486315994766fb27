using Microsoft.ML.Gan.Networks;
using Microsoft.ML.Gan.Training;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Tests;

/// <summary>The losses, layers and optimiser checked on tiny tensors against values computed by hand here.</summary>
[TestClass]
public sealed class LossAndLayerTests
{
    private static float Item(Tensor t) => t.item<float>();

    [TestMethod]
    public void SupervisedLossIsCrossEntropyOverTheKClasses()
    {
        using var logits = tensor(new float[] { 1, 2, 3, 0, 0, 0 }, [2, 3]);
        using var labels = tensor(new long[] { 2, 0 });
        using var loss = SemiSupervisedLoss.Supervised(logits, labels);
        double lse0 = Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3));
        double lse1 = Math.Log(3);
        double expected = ((lse0 - 3) + (lse1 - 0)) / 2;
        Assert.AreEqual(expected, Item(loss), 1e-6);
    }

    /// <summary>
    /// The closed-form loss and gradient (<see cref="SemiSupervisedLoss.WithGradient"/>) are the operations' formula
    /// worked by autograd in float64: 7 labeled, 5 unlabeled and 6 generated rows of 4 logits, some large enough that
    /// softplus(LSE) is near LSE, with one-sided label smoothing.
    /// </summary>
    [TestMethod]
    public void ClosedFormLossAndGradientAreTheFormulaWorkedByAutogradInFloat64()
    {
        var random = new TorchSharp.torch.Generator(11);
        using var values = randn([18, 4], generator: random).mul(4);
        using var classes = randint(4, [7], generator: random);
        var (parts, gradient) = SemiSupervisedLoss.WithGradient(values, classes, unlabeledRows: 5, unlabeledWeight: 0.7, realTarget: 0.9);
        using var _ = gradient;

        using var exact = values.to(ScalarType.Float64).requires_grad_(true);
        using var labeled = exact.narrow(0, 0, 7);
        using var supervised = SemiSupervisedLoss.Supervised(labeled, classes);
        using var unsupervised = SemiSupervisedLoss.Unsupervised(exact.narrow(0, 7, 5), exact.narrow(0, 12, 6), 0.9);
        using var expected = supervised.add(unsupervised.mul(0.7));
        expected.backward();

        Assert.AreEqual(supervised.item<double>(), parts.Supervised, 1e-12);
        Assert.AreEqual(unsupervised.item<double>(), parts.Unsupervised, 1e-12);
        using var largest = labeled.detach().argmax(1);
        Assert.AreEqual(largest.eq(classes).sum().item<long>(), parts.Correct);
        Assert.AreEqual(ScalarType.Float32, gradient.dtype);
        using var difference = gradient.to(ScalarType.Float64).sub(exact.grad!).abs().max();
        Assert.IsTrue(difference.item<double>() < 1e-8, $"largest difference from the float64 gradient {difference.item<double>()}");
    }

    [TestMethod]
    public void ClosedFormLossNamesALabelOutsideTheClasses()
    {
        using var values = zeros(4, 3);
        using var classes = tensor(new long[] { 1, 3 });
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => SemiSupervisedLoss.WithGradient(values, classes, 1, 1, 1));
        StringAssert.Contains(error.Message, "Class 3 of labeled row 1");
    }

    [TestMethod]
    public void UnsupervisedLossTreatsUnlabeledAsRealAndGeneratedAsFakeWithTheExtraLogitAtZero()
    {
        using var real = tensor(new float[] { 2, 0, 0, -1 }, [2, 2]);
        using var fake = tensor(new float[] { -3, -3, 1, 0 }, [2, 2]);
        using var loss = SemiSupervisedLoss.Unsupervised(real, fake);
        static double D(double a, double b) { double z = Math.Exp(a) + Math.Exp(b); return z / (z + 1); }
        double realTerm = (-Math.Log(D(2, 0)) - Math.Log(D(0, -1))) / 2;
        double fakeTerm = (-Math.Log(1 - D(-3, -3)) - Math.Log(1 - D(1, 0))) / 2;
        Assert.AreEqual(0.5 * realTerm + 0.5 * fakeTerm, Item(loss), 1e-6);
    }

    [TestMethod]
    public void FeatureMatchingLossIsTheMeanSquaredDifferenceOfBatchMeans()
    {
        using var real = tensor(new float[] { 1, 2, 3, 4 }, [2, 2]);
        using var generated = tensor(new float[] { 0, 0, 0, 2, 0, 1 }, [3, 2]);
        using var loss = FeatureMatchingLoss.Compute(real, generated);
        double d0 = 2 - 0, d1 = 3 - 1;
        Assert.AreEqual((d0 * d0 + d1 * d1) / 2, Item(loss), 1e-6);
    }

    [TestMethod]
    public void WeightNormDenseComputesGTimesVOverNormAndDataDependentInitStandardises()
    {
        using var direction = tensor(new float[] { 3, 4, 0, 2 }, [2, 2]);
        using var layer = new WeightNormDense("t", 2, 2, trainScale: true, direction);
        using var x = tensor(new float[] { 1, 1, 2, 0 }, [2, 2]);
        using (var y = layer.forward(x))
            CollectionAssert.AreEqual(new float[] { 7f / 5, 1, 6f / 5, 0 }, y.data<float>().ToArray());

        using var batch = tensor(new float[] { 1, 0, 3, 2, 5, 4 }, [3, 2]);
        using (var _ = no_grad())
        {
            using var normalised = layer.InitializeFrom(batch);
            using var output = layer.forward(batch);
            var values = output.data<float>().ToArray();
            for (int unit = 0; unit < 2; unit++)
            {
                double mean = (values[unit] + values[2 + unit] + values[4 + unit]) / 3;
                double variance = (Math.Pow(values[unit] - mean, 2) + Math.Pow(values[2 + unit] - mean, 2) + Math.Pow(values[4 + unit] - mean, 2)) / 3;
                Assert.AreEqual(0, mean, 1e-5);
                Assert.AreEqual(1, variance, 1e-5);
            }
        }
        // Unit 0: v/||v|| = (0.6, 0.8); pre-activations 0.6, 3.4, 6.2: mean 3.4, population std 2.2862...
        double std0 = Math.Sqrt((2.8 * 2.8 * 2) / 3);
        Assert.AreEqual(1 / std0, layer.Scale.data<float>()[0], 1e-5);
        Assert.AreEqual(-3.4 / std0, layer.Bias.data<float>()[0], 1e-5);
    }

    [TestMethod]
    public void AdamTakesTheStepOfThePapersCodeWithEpsilonInsideTheSquareRoot()
    {
        using var p = new TorchSharp.Modules.Parameter(tensor(new float[] { 1, 1 }));
        using var adam = new Adam([p], learningRate: 0.1, beta1: 0.5, beta2: 0.999, epsilon: 1e-8);
        using (var loss = p.mul(tensor(new float[] { 2, 1e-5f })).sum())
            loss.backward();
        adam.Step();
        // Step 1: m_hat = g, v_hat = g^2, update = lr * g / sqrt(g^2 + 1e-8).
        double big = 0.1 * 2 / Math.Sqrt(4 + 1e-8);
        double tiny = 0.1 * 1e-5 / Math.Sqrt(1e-10 + 1e-8);
        var values = p.data<float>().ToArray();
        Assert.AreEqual(1 - big, values[0], 1e-6);
        Assert.AreEqual(1 - tiny, values[1], 1e-6);
    }

    [TestMethod]
    public void MovingAverageWarmsUpThenUsesTheConfiguredRate()
    {
        using var source = TorchSharp.torch.nn.Linear(1, 1, hasBias: false);
        using var average = TorchSharp.torch.nn.Linear(1, 1, hasBias: false);
        using (no_grad())
            source.weight!.fill_(0);
        var ema = new ExponentialMovingAverage(source, average, rate: 0.01);
        using (no_grad())
            source.weight!.fill_(1);
        ema.Update();
        // First update: rate max(0.01, 9/10) = 0.9, so a = 0 + 0.9 * (1 - 0).
        Assert.AreEqual(0.9, average.weight!.data<float>()[0], 1e-6);
        for (int t = 1; t < 2000; t++)
            ema.Update();
        using (no_grad())
            source.weight!.fill_(2);
        ema.Update();
        // After 2000 updates the warm-up rate 9/2010 is below 0.01, so a moves 1% of the way: 1 + 0.01 * (2 - 1).
        Assert.AreEqual(1.01, average.weight!.data<float>()[0], 1e-4);
    }
    /// <summary>
    /// An average that moves every 4 steps covers them with their rates compounded: after 4 steps at a constant source it
    /// is where four moves of one step each put it; it stays put in between, and the steps counted before the end of an
    /// epoch move it there.
    /// </summary>
    [TestMethod]
    public void MovingAverageEveryFourStepsCompoundsTheRatesOfTheStepsItCovers()
    {
        using var source = TorchSharp.torch.nn.Linear(1, 1, hasBias: false);
        using var everyStep = TorchSharp.torch.nn.Linear(1, 1, hasBias: false);
        using var everyFour = TorchSharp.torch.nn.Linear(1, 1, hasBias: false);
        using (no_grad())
            source.weight!.fill_(0);
        var byStep = new ExponentialMovingAverage(source, everyStep, rate: 0.01);
        var byFour = new ExponentialMovingAverage(source, everyFour, rate: 0.01, stepsPerMove: 4);
        using (no_grad())
            source.weight!.fill_(1);
        float lastMove = 0;
        for (int step = 1; step <= 2010; step++)
        {
            byStep.Update();
            if (byFour.CountStep())
            {
                byFour.Update();
                lastMove = everyFour.weight!.data<float>()[0];
            }
            else
                Assert.AreEqual(lastMove, everyFour.weight!.data<float>()[0], $"no move at step {step}");
            if (step % 4 == 0)
                Assert.AreEqual(everyStep.weight!.data<float>()[0], everyFour.weight!.data<float>()[0], 1e-6, $"step {step}");
            if (step == 1000)
                using (no_grad())
                    source.weight!.fill_(3);
        }
        Assert.AreEqual(2008L, byFour.Updates);
        byFour.MovePending();
        Assert.AreEqual(2010L, byFour.Updates);
        Assert.AreEqual(everyStep.weight!.data<float>()[0], everyFour.weight!.data<float>()[0], 1e-6, "after the pending steps moved");
        byFour.MovePending();
        Assert.AreEqual(2010L, byFour.Updates, "nothing pending, no move");
    }
}
