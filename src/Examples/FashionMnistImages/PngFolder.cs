using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Gan;
using SkiaSharp;

namespace FashionMnistImages;

/// <summary>Writes images of an IDX file pair as PNG files, 00001.png, 00002.png, ..., and returns their file names and classes.</summary>
internal static class PngFolder
{
    public const int Side = 28;

    /// <summary>The first <paramref name="rows"/> images of <paramref name="images"/>/<paramref name="labels"/> as grayscale PNGs in <paramref name="folder"/>.</summary>
    public static IReadOnlyList<(string File, int Class)> Write(MLContext ml, string images, string labels, int rows, string folder)
    {
        Directory.CreateDirectory(folder);
        var data = ml.Data.TakeRows(ml.Data.LoadFromIdx(images, labels), rows);
        var written = new List<(string, int)>();
        foreach (var row in ml.Data.CreateEnumerable<IdxRow>(data, reuseRowObject: true))
        {
            string file = $"{written.Count + 1:D5}.png";
            WritePng(row.Features, Path.Combine(folder, file));
            written.Add((file, (int)row.Label));
        }
        return written;
    }

    private static void WritePng(float[] pixels, string path)
    {
        using var bitmap = new SKBitmap(Side, Side);
        for (int y = 0; y < Side; y++)
        {
            for (int x = 0; x < Side; x++)
            {
                byte level = (byte)Math.Round(pixels[y * Side + x] * 255);
                bitmap.SetPixel(x, y, new SKColor(level, level, level));
            }
        }
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        png.SaveTo(file);
    }

    private sealed class IdxRow
    {
        public float Label { get; set; }

        [VectorType(Side * Side)]
        public float[] Features { get; set; } = [];
    }
}
