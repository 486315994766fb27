namespace Microsoft.ML.Gan.Data;

/// <summary>
/// Images read from an IDX file: <see cref="Count"/> rows of <see cref="Height"/> x <see cref="Width"/>
/// pixels, stored row-major in one array with values in [0, 1] (byte value / 255).
/// </summary>
/// <param name="Pixels">All pixels, image after image; length is Count * Height * Width.</param>
/// <param name="Count">Number of images.</param>
/// <param name="Height">Image height in pixels.</param>
/// <param name="Width">Image width in pixels.</param>
internal sealed record IdxImages(float[] Pixels, int Count, int Height, int Width)
{
    /// <summary>Number of pixels per image (Height * Width).</summary>
    public int FeatureSize => Height * Width;
}
