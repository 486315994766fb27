using System.Runtime.Intrinsics;
using Microsoft.ML.Gan.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Tests;

/// <summary>
/// The counter-based normal generator of the noise layers: its sample moments and tail frequencies against the standard
/// normal's (margins of five standard errors or more), its determinism, and its sine and cosine against Math's.
/// </summary>
[TestClass]
public sealed class GaussianNoiseSourceTests
{
    [TestMethod]
    public void ValuesHaveTheMomentsAndTailsOfTheStandardNormal()
    {
        const int n = 1_000_003;
        var values = new float[n];
        new GaussianNoiseSource(7).Fill(values, 0);
        double mean = values.Average(v => (double)v);
        double variance = values.Sum(v => (v - mean) * (v - mean)) / n;
        double kurtosis = values.Sum(v => Math.Pow(v - mean, 4)) / n / (variance * variance);
        Assert.AreEqual(0, mean, 0.005);
        Assert.AreEqual(1, variance, 0.01);
        Assert.AreEqual(3, kurtosis, 0.04);
        Assert.AreEqual(0.0455, values.Count(v => Math.Abs(v) > 2) / (double)n, 0.0012);
        Assert.AreEqual(0.0027, values.Count(v => Math.Abs(v) > 3) / (double)n, 0.0003);
        Assert.AreEqual(0.5, values.Count(v => v > 0) / (double)n, 0.0025);
    }

    [TestMethod]
    public void ValueIDependsOnlyOnSeedDrawAndPosition()
    {
        var source = new GaussianNoiseSource(3);
        var whole = new float[1000];
        var prefix = new float[17];
        source.Fill(whole, 5);
        source.Fill(prefix, 5);
        CollectionAssert.AreEqual(whole[..17], prefix);

        var again = new float[1000];
        new GaussianNoiseSource(3).Fill(again, 5);
        CollectionAssert.AreEqual(whole, again);
    }

    [TestMethod]
    public void DrawsAndSeedsAreUncorrelated()
    {
        const int n = 200_000;
        float[] Draw(int seed, long draw)
        {
            var values = new float[n];
            new GaussianNoiseSource(seed).Fill(values, draw);
            return values;
        }
        static double Correlation(float[] a, float[] b) => a.Zip(b, (x, y) => (double)x * y).Sum() / n;
        var first = Draw(1, 0);
        Assert.AreEqual(0, Correlation(first, Draw(1, 1)), 0.012);
        Assert.AreEqual(0, Correlation(first, Draw(2, 0)), 0.012);
        Assert.AreEqual(0, Correlation(first, first.Skip(1).Append(0f).ToArray()), 0.012);
    }

    [TestMethod]
    public void NormalAdvancesTheDrawCountAndCanBeReplayed()
    {
        var source = new GaussianNoiseSource(11);
        using var first = source.Normal([3, 5], CPU);
        Assert.AreEqual(1, source.Draws);
        using var second = source.Normal([3, 5], CPU);
        CollectionAssert.AreNotEqual(first.data<float>().ToArray(), second.data<float>().ToArray());
        source.Draws = 1;
        using var replayed = source.Normal([3, 5], CPU);
        CollectionAssert.AreEqual(second.data<float>().ToArray(), replayed.data<float>().ToArray());
        CollectionAssert.AreEqual(new long[] { 3, 5 }, replayed.shape);
    }

    [TestMethod]
    public void SineAndCosineOfPiTimesMatchMath()
    {
        for (int i = 0; i <= 800; i++)
        {
            float t = -1 + i / 400f;
            var (sin, cos) = GaussianNoiseSource.SinCosOfPiTimes(Vector256.Create(t));
            Assert.AreEqual(Math.Sin(Math.PI * t), sin[0], 2e-5, $"sin at t = {t}");
            Assert.AreEqual(Math.Cos(Math.PI * t), cos[0], 2e-5, $"cos at t = {t}");
        }
    }
}
