using System.Runtime.Intrinsics;
using Microsoft.ML.Gan.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Tests;

/// <summary>
/// The counter-based normal generator of the noise layers: its sample moments and tail frequencies against the standard
/// normal's (margins of five standard errors or more), its determinism, its values against the single-threaded 256-bit
/// reference to the bit for every number of threads, and its sine and cosine against Math's.
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
    public void EverySplitGivesTheBitsOfTheSingleThreaded256BitFill()
    {
        const int seed = 5;
        var source = new GaussianNoiseSource(seed);
        foreach (int length in new[] { 1, 15, 16, 17, 1000, 300 * 1000 + 7 })
            foreach (long draw in new long[] { 0, 1, 12_345 })
            {
                var expected = ReferenceFill(seed, draw, length);
                foreach (int workers in new[] { 1, 2, 3, 8 })
                {
                    var actual = new float[length];
                    source.Fill(actual, draw, workers);
                    Assert.AreEqual(-1, FirstDifference(expected, actual), $"length {length}, draw {draw}, {workers} workers");
                }
                var byDefault = new float[length];
                source.Fill(byDefault, draw);
                Assert.AreEqual(-1, FirstDifference(expected, byDefault), $"length {length}, draw {draw}, default split");
            }
    }

    [TestMethod]
    public void TheBitComparisonTellsDrawsSeedsAndPositionsApart()
    {
        const int length = 1000;
        var expected = ReferenceFill(5, 0, length);
        var otherDraw = new float[length];
        new GaussianNoiseSource(5).Fill(otherDraw, 1, 2);
        Assert.AreEqual(0, FirstDifference(expected, otherDraw));
        var otherSeed = new float[length];
        new GaussianNoiseSource(6).Fill(otherSeed, 0, 2);
        Assert.AreEqual(0, FirstDifference(expected, otherSeed));
        var shifted = new float[length + 1];
        new GaussianNoiseSource(5).Fill(shifted, 0, 2);
        Assert.AreEqual(0, FirstDifference(expected, shifted[1..]));
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

    /// <summary>The index of the first value whose bits differ, or -1 (0 and -0, or two NaNs, count as different bits).</summary>
    private static int FirstDifference(float[] expected, float[] actual)
    {
        Assert.HasCount(expected.Length, actual);
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                return i;
        return -1;
    }

    /// <summary>
    /// The generator as first written, one 16-value block after another on one thread with 256-bit vectors: keys from
    /// (seed, draw) by SplitMix64, MurmurHash3's finaliser twice per uniform, Box-Muller with Vector256.Log.
    /// </summary>
    private static float[] ReferenceFill(int seed, long draw, int length)
    {
        static ulong SplitMix64(ref ulong state)
        {
            ulong z = state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
        static Vector256<uint> Mix(Vector256<uint> h)
        {
            h ^= Vector256.ShiftRightLogical(h, 16);
            h *= Vector256.Create(0x85ebca6bu);
            h ^= Vector256.ShiftRightLogical(h, 13);
            h *= Vector256.Create(0xc2b2ae35u);
            return h ^ Vector256.ShiftRightLogical(h, 16);
        }
        static Vector256<float> Uniform(Vector256<uint> h) =>
            Vector256.ConvertToSingle(Vector256.ShiftRightLogical(h, 8).AsInt32()) * Vector256.Create(1f / (1 << 24)) + Vector256.Create(0.5f / (1 << 24));

        ulong state = (uint)seed ^ (0x9E3779B97F4A7C15UL * (ulong)(draw + 1));
        ulong first = SplitMix64(ref state), second = SplitMix64(ref state);
        uint a = (uint)first, b = (uint)(first >> 32), c = (uint)second, d = (uint)(second >> 32);
        var values = new float[length];
        var block = new float[16];
        for (int start = 0; start < length; start += 16)
        {
            var pair = Vector256.Create((uint)start / 2) + Vector256.Create(0u, 1, 2, 3, 4, 5, 6, 7);
            var radiusUniform = Uniform(Mix(Mix(pair ^ Vector256.Create(a)) + Vector256.Create(b)));
            var angleUniform = Uniform(Mix(Mix(pair ^ Vector256.Create(c)) + Vector256.Create(d)));
            var radius = Vector256.Sqrt(Vector256.Create(-2f) * Vector256.Log(radiusUniform));
            var (sin, cos) = GaussianNoiseSource.SinCosOfPiTimes(angleUniform * Vector256.Create(2f) - Vector256<float>.One);
            (radius * cos).CopyTo(block);
            (radius * sin).CopyTo(block, 8);
            Array.Copy(block, 0, values, start, Math.Min(16, length - start));
        }
        return values;
    }
}
