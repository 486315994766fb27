using Microsoft.ML.Data;
using Microsoft.ML.Gan.Metrics;

namespace Microsoft.ML.Gan.Tests;

/// <summary>The GAN metrics against values worked out by hand on tiny inputs.</summary>
[TestClass]
public sealed class MetricsTests
{
    private static readonly MLContext Ml = new(1);

    private static IDataView Vectors(string column, params float[][] rows)
    {
        var schema = SchemaDefinition.Create(typeof(VectorRow));
        schema[nameof(VectorRow.Values)].ColumnName = column;
        schema[column].ColumnType = new VectorDataViewType(NumberDataViewType.Single, rows[0].Length);
        return Ml.Data.LoadFromEnumerable(rows.Select(r => new VectorRow { Values = r }).ToArray(), schema);
    }

    [TestMethod]
    public void InceptionScoreOfACertainClassifierUniformOverKClassesIsK()
    {
        var rows = Enumerable.Range(0, 8).Select(i => Enumerable.Range(0, 4).Select(k => k == i % 4 ? 1f : 0f).ToArray()).ToArray();
        var score = Ml.Gan.Metrics.InceptionScore(Vectors("Score", rows), splits: 2);
        Assert.AreEqual(4.0, score.Mean, 1e-9);
        Assert.AreEqual(0.0, score.StandardDeviation, 1e-9);
    }

    [TestMethod]
    public void InceptionScoreOfAClassifierGivingEveryRowTheSameProbabilitiesIsOne()
    {
        var rows = Enumerable.Range(0, 10).Select(_ => new[] { 0.7f, 0.2f, 0.1f }).ToArray();
        Assert.AreEqual(1.0, Ml.Gan.Metrics.InceptionScore(Vectors("Score", rows), splits: 1).Mean, 1e-6);
    }

    [TestMethod]
    public void InceptionScoreOfTwoRowsMatchesTheDefinition()
    {
        // p(y) = (0.75, 0.25); KL of row 1 = 0.5 ln(0.5 / 0.75) + 0.5 ln(0.5 / 0.25); of row 2 = ln(1 / 0.75).
        double expected = Math.Exp((0.5 * Math.Log(0.5 / 0.75) + 0.5 * Math.Log(0.5 / 0.25) + Math.Log(1 / 0.75)) / 2);
        var score = Ml.Gan.Metrics.InceptionScore(Vectors("Score", [0.5f, 0.5f], [1f, 0f]), splits: 1);
        Assert.AreEqual(expected, score.Mean, 1e-6);
    }

    [TestMethod]
    public void FrechetDistanceOfASetWithItselfIsZero()
    {
        var random = new Random(4);
        var rows = Enumerable.Range(0, 50).Select(_ => Enumerable.Range(0, 3).Select(_ => (float)random.NextDouble()).ToArray()).ToArray();
        Assert.AreEqual(0.0, Ml.Gan.Metrics.FrechetDistance(Vectors("F", rows), Vectors("F", rows), "F"), 1e-9);
    }

    [TestMethod]
    public void FrechetDistanceOfTwoOneDimensionalSetsHasTheClosedForm()
    {
        // {0, 2}: mean 1, variance 2 (n - 1); {3, 5, 7}: mean 5, variance 4. (m1 - m2)^2 + s1^2 + s2^2 - 2 s1 s2.
        double expected = 16 + 2 + 4 - 2 * Math.Sqrt(2) * 2;
        double actual = Ml.Gan.Metrics.FrechetDistance(Vectors("F", [0f], [2f]), Vectors("F", [3f], [5f], [7f]), "F");
        Assert.AreEqual(expected, actual, 1e-9);
    }

    [TestMethod]
    public void FrechetDistanceWithSingularCovariancesStaysExact()
    {
        // Both sets lie on the line y = x with the same rank-1 covariance S, shifted by (1, 1): tr(S) + tr(S) - 2 tr((S S)^(1/2)) = 0,
        // so the distance is |(1, 1)|^2 = 2.
        var first = Enumerable.Range(0, 4).Select(t => new[] { (float)t, (float)t }).ToArray();
        var second = Enumerable.Range(0, 4).Select(t => new[] { t + 1f, t + 1f }).ToArray();
        Assert.AreEqual(2.0, Ml.Gan.Metrics.FrechetDistance(Vectors("F", first), Vectors("F", second), "F"), 1e-6);
    }

    [TestMethod]
    public void MultiScaleSsimOfAnImageWithItselfIsOne()
    {
        var random = new Random(5);
        var image = Enumerable.Range(0, 784).Select(_ => random.NextDouble()).ToArray();
        Assert.AreEqual(1.0, MultiScaleSsim.Compute(image, image, 28, 28), 1e-12);
    }

    [TestMethod]
    public void MultiScaleSsimOfTwoFlatImagesIsTheirLuminanceTermToTheLastScalesWeight()
    {
        // Flat images have no contrast, so every contrast-structure term is C2 / C2 = 1; 28x28 has 3 scales (28, 14, 7),
        // and the last scale's luminance term (2ab + C1) / (a^2 + b^2 + C1) gets weight 0.3001 / (0.0448 + 0.2856 + 0.3001).
        double a = 0.2, b = 0.6, c1 = 0.0001;
        double expected = Math.Pow((2 * a * b + c1) / (a * a + b * b + c1), 0.3001 / (0.0448 + 0.2856 + 0.3001));
        double actual = MultiScaleSsim.Compute(Enumerable.Repeat(a, 784).ToArray(), Enumerable.Repeat(b, 784).ToArray(), 28, 28);
        Assert.AreEqual(expected, actual, 1e-9);
    }

    [TestMethod]
    public void MultiScaleSsimDiversityOfIdenticalSamplesIsOne()
    {
        var image = Enumerable.Range(0, 196).Select(i => (float)(i % 14) / 14).ToArray();
        Assert.AreEqual(1.0, Ml.Gan.Metrics.MultiScaleSsimDiversity(Vectors("Pixels", image, image, image), "Pixels", 14, 14, pairs: 5), 1e-9);
    }

    [TestMethod]
    public void ParzenLogLikelihoodOfOnePointMatchesTheGaussianDensity()
    {
        // Samples 0 and 2, test point 1, sigma 0.5: both at distance 1, so log p = -1 / (2 * 0.25) - 0.5 ln(2 pi 0.25).
        double expected = -2 - 0.5 * Math.Log(2 * Math.PI * 0.25);
        var result = Ml.Gan.Metrics.ParzenLogLikelihood(Vectors("X", [0f], [2f]), Vectors("X", [1f]), Vectors("X", [1f]), "X", [0.5]);
        Assert.AreEqual(0.5, result.Sigma);
        Assert.AreEqual(expected, result.MeanLogLikelihood, 1e-9);
    }

    [TestMethod]
    public void ParzenSigmaIsTheCandidateThatMaximisesTheValidationLikelihood()
    {
        // One sample at 0, validation point at 1: log p(sigma) = -1 / (2 sigma^2) - 0.5 ln(2 pi sigma^2) peaks at sigma = 1.
        var result = Ml.Gan.Metrics.ParzenLogLikelihood(Vectors("X", [0f]), Vectors("X", [1f]), Vectors("X", [1f], [3f]), "X", [0.5, 1, 2]);
        Assert.AreEqual(1.0, result.Sigma);
        double expected = ((-0.5 - 0.5 * Math.Log(2 * Math.PI)) + (-4.5 - 0.5 * Math.Log(2 * Math.PI))) / 2;
        Assert.AreEqual(expected, result.MeanLogLikelihood, 1e-9);
    }

    private sealed class VectorRow
    {
        public float[] Values { get; set; } = [];
    }
}
