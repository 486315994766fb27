namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// The shape of an image held in a flat feature vector, in the channel-major (planar) order of ML.NET's ExtractPixels:
/// all pixels of channel 0 row by row, then channel 1, ...; i.e. the vector is a [Channels, Height, Width] tensor.
/// </summary>
internal readonly record struct ImageShape(int Channels, int Height, int Width)
{
    /// <summary>Channels * Height * Width, the length of the feature vector.</summary>
    public long Size => (long)Channels * Height * Width;

    public override string ToString() => $"{Channels}x{Height}x{Width}";
}
