using Microsoft.ML.Gan.Training;

namespace Microsoft.ML.Gan.Tests;

/// <summary>
/// EstimateClassPriors: the EM estimate of the classes' frequencies in the unlabeled rows from a classifier trained on
/// labeled rows of other frequencies (Saerens et al., 2002).
/// </summary>
[TestClass]
public sealed class ClassPriorEstimationTests
{
    /// <summary>
    /// Two unit-variance Gaussian classes at -1 and +1, 80% and 20% of 20,000 rows; the posteriors are those of the exact
    /// classifier under equal priors (labeled rows 10 and 10), p(0|x) = 1 / (1 + e^(2x)). EM recovers 0.8 / 0.2, where the
    /// mean posterior (one step of EM) is pulled towards 0.5.
    /// </summary>
    [TestMethod]
    public void EmRecoversTheUnlabeledRowsPriorsFromPosteriorsUnderEqualPriors()
    {
        var random = new Random(7);
        const int rows = 20_000;
        var posteriors = new float[rows * 2];
        for (int i = 0; i < rows; i++)
        {
            double normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            double x = (i < 0.8 * rows ? -1 : 1) + normal;
            double first = 1 / (1 + Math.Exp(2 * x));
            posteriors[2 * i] = (float)first;
            posteriors[2 * i + 1] = (float)(1 - first);
        }
        double meanPosterior = Enumerable.Range(0, rows).Average(i => posteriors[2 * i]);
        var prior = ClassPriorEstimation.Estimate(posteriors, [10, 10]);
        Assert.AreEqual(0.8, prior[0], 0.01);
        Assert.AreEqual(0.2, prior[1], 0.01);
        Assert.IsTrue(meanPosterior < 0.72, $"mean posterior {meanPosterior}");
    }

    /// <summary>Posteriors that already match the labeled rows' frequencies leave the priors there.</summary>
    [TestMethod]
    public void PosteriorsAtTheLabeledFrequenciesKeepThem()
    {
        float[] posteriors = [0.5f, 0.25f, 0.25f, 0.5f, 0.25f, 0.25f];
        var prior = ClassPriorEstimation.Estimate(posteriors, [20, 10, 10]);
        Assert.AreEqual(0.5, prior[0], 1e-6);
        Assert.AreEqual(0.25, prior[1], 1e-6);
        Assert.AreEqual(0.25, prior[2], 1e-6);
    }
}
