using Microsoft.ML.Data;
using Microsoft.ML.Gan.Benchmarks;

namespace Microsoft.ML.Gan.Tests;

/// <summary>The seed protocol's other rounding of the training images ("rounding=inputs").</summary>
[TestClass]
public sealed class SeedProtocolTests
{
    [TestMethod]
    public void TimesReciprocalMovesHalfTheByteValuesByOneUnitInTheLastPlace()
    {
        var pixels = new MnistPixels { Features = [.. Enumerable.Range(0, 256).Select(b => b / 255f)] };
        var rounded = new MnistPixels();

        MnistPixels.TimesReciprocal(pixels, rounded);

        int moved = 0;
        for (int b = 0; b < 256; b++)
        {
            Assert.AreEqual(b * (1f / 255f), rounded.Features[b], $"byte {b}");
            if (rounded.Features[b] != pixels.Features[b])
            {
                moved++;
                Assert.IsTrue(rounded.Features[b] == MathF.BitIncrement(pixels.Features[b]) || rounded.Features[b] == MathF.BitDecrement(pixels.Features[b]), $"byte {b}");
            }
        }
        Assert.AreEqual(126, moved);
    }

    [TestMethod]
    public void RoundedInputsAreAnotherRoundingOfTheSameRuns()
    {
        var plain = SeedProtocol.Parse(["3", "rows=1000"]);
        var rounded = SeedProtocol.Parse(["3", "rows=1000", "rounding=inputs"]);

        Assert.AreEqual("mnist-100-3-epochs-rows1000-rounded-inputs", rounded.Name);
        CollectionAssert.AreEqual(plain.ProtocolRuns.Where(r => r.Summarized).ToArray(), rounded.ProtocolRuns);
        StringAssert.Contains(rounded.Definition(rounded.ProtocolRuns[1]), "training pixels as byte * (1 / 255)");
        Assert.IsFalse(plain.Definition(plain.ProtocolRuns[1]).Contains("1 / 255", StringComparison.Ordinal));
        Assert.ThrowsExactly<ArgumentException>(() => SeedProtocol.Parse(["3", "rounding=outputs"]));
    }

    [TestMethod]
    public void RoundedInputsChangeOnlyTheTrainingPixels()
    {
        var ml = new MLContext(seed: 1);
        var run = SeedProtocol.Runs[1];
        var (plainTrain, plainTest) = SeedProtocol.Parse(["3", "rows=1000"]).Data(ml, run, TestData.DataDirectory);
        var (roundedTrain, roundedTest) = SeedProtocol.Parse(["3", "rows=1000", "rounding=inputs"]).Data(ml, run, TestData.DataDirectory);

        var plain = Pixels(plainTrain);
        var rounded = Pixels(roundedTrain);
        Assert.AreEqual(1000, rounded.Length);
        Assert.AreEqual(plain.Length, rounded.Length);
        Assert.IsTrue(plain.Zip(rounded).Any(p => !p.First.SequenceEqual(p.Second)), "no pixel moved");
        for (int row = 0; row < plain.Length; row++)
            CollectionAssert.AreEqual(plain[row].Select(p => MathF.Round(p * 255f) * (1f / 255f)).ToArray(), rounded[row], $"row {row}");
        CollectionAssert.AreEqual(Labels(plainTrain), Labels(roundedTrain));
        Assert.IsTrue(Pixels(plainTest).Zip(Pixels(roundedTest)).All(p => p.First.SequenceEqual(p.Second)), "the test images changed");
    }

    private static float[][] Pixels(IDataView data) =>
        [.. data.GetColumn<VBuffer<float>>("Features").Select(v => v.DenseValues().ToArray())];

    private static uint[] Labels(IDataView data) => [.. data.GetColumn<uint>("Label")];
}
