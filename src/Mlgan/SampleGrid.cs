using SkiaSharp;

namespace Microsoft.ML.Gan.Cli;

/// <summary>
/// Draws generated samples as a PNG grid: a square number of values is a grayscale image, three times a square number a
/// colour image with three planes (as ExtractPixels writes them).
/// </summary>
internal static class SampleGrid
{
    /// <summary>
    /// Writes the samples side by side, row by row, one pixel of white between them: <paramref name="columns"/> per row
    /// (null: a square grid). False when they are not square images.
    /// </summary>
    public static bool TryWrite(IReadOnlyList<float[]> samples, string path, int? columns = null)
    {
        int length = samples[0].Length;
        int channels = IsSquare(length) ? 1 : length % 3 == 0 && IsSquare(length / 3) ? 3 : 0;
        if (channels == 0)
            return false;
        bool color = channels == 3;
        int side = (int)Math.Round(Math.Sqrt(length / channels));
        int perRow = columns ?? (int)Math.Ceiling(Math.Sqrt(samples.Count)), gridRows = (samples.Count + perRow - 1) / perRow;
        using var bitmap = new SKBitmap(perRow * (side + 2), gridRows * (side + 2));
        bitmap.Erase(SKColors.White);
        for (int s = 0; s < samples.Count; s++)
        {
            int left = (s % perRow) * (side + 2) + 1, top = (s / perRow) * (side + 2) + 1;
            for (int y = 0; y < side; y++)
            {
                for (int x = 0; x < side; x++)
                {
                    byte Channel(int c) => (byte)Math.Clamp(samples[s][c * side * side + y * side + x] * 255, 0, 255);
                    var pixel = color ? new SKColor(Channel(0), Channel(1), Channel(2)) : new SKColor(Channel(0), Channel(0), Channel(0));
                    bitmap.SetPixel(left + x, top + y, pixel);
                }
            }
        }
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        png.SaveTo(file);
        return true;
    }

    private static bool IsSquare(int n)
    {
        int root = (int)Math.Round(Math.Sqrt(n));
        return n > 0 && root * root == n;
    }
}
