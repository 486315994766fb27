using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>An MNIST image's Features column, for the seed protocol's other rounding of the training images.</summary>
internal sealed class MnistPixels
{
    /// <summary>The 784 pixels in [0, 1].</summary>
    [VectorType(784)]
    public float[] Features { get; set; } = [];

    /// <summary>
    /// Each pixel byte / 255 (as the reader scales it) as byte * (1 / 255) instead: a unit in the last place apart for 126 of
    /// the 256 byte values.
    /// </summary>
    public static void TimesReciprocal(MnistPixels input, MnistPixels output) =>
        output.Features = Array.ConvertAll(input.Features, pixel => MathF.Round(pixel * 255f) * (1f / 255f));
}
