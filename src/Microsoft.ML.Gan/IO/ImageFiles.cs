using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.IO;

/// <summary>
/// Turns pixel vectors into PNG files: values in [0, 1] (clamped, times 255), planes in ExtractPixels' default order
/// [channels, height, width], one plane for grayscale and three (red, green, blue) for colour.
/// </summary>
internal static class ImageFiles
{
    /// <summary>
    /// The [channels, height, width] of a vector column: its own three dimensions when it has them (ExtractPixels'), the
    /// given height and width, or a square of one or three planes.
    /// </summary>
    public static (int Channels, int Height, int Width) Shape(DataViewSchema.Column column, int height, int width)
    {
        if (column.Type is not VectorDataViewType { ItemType: NumberDataViewType item, IsKnownSize: true } vector || item != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(column), $"Column '{column.Name}' has type {column.Type}; expected a vector of Single of known size (pixels).");
        if (vector.Dimensions.Length == 3 && height == 0 && width == 0)
            return Checked(column.Name, vector.Size, vector.Dimensions[0], vector.Dimensions[1], vector.Dimensions[2]);
        return Shape(column.Name, vector.Size, height, width);
    }

    /// <summary>The [channels, height, width] of vectors of <paramref name="length"/> values; 0 for height and width means square.</summary>
    public static (int Channels, int Height, int Width) Shape(string name, int length, int height, int width)
    {
        if (height < 0 || width < 0 || (height == 0) != (width == 0))
            throw new ArgumentOutOfRangeException(nameof(height), $"Height {height} and width {width}: give both as positive numbers, or neither for square images.");
        if (height > 0)
            return Checked(name, length, length / (height * width), height, width);
        return Square(length)
            ?? throw new ArgumentException($"Column '{name}' holds {length} values per row, which is neither a square grayscale image nor three square colour planes; give the height and width.");
    }

    /// <summary>The shape of a square grayscale image or of three square colour planes of <paramref name="length"/> values, or null.</summary>
    public static (int Channels, int Height, int Width)? Square(int length)
    {
        foreach (int channels in new[] { 1, 3 })
        {
            int side = (int)Math.Round(Math.Sqrt(length / channels));
            if (length > 0 && length % channels == 0 && side * side * channels == length)
                return (channels, side, side);
        }
        return null;
    }

    /// <summary>The rows of a vector column of Single, dense (also what the CLI and the tests read columns with).</summary>
    public static List<float[]> Read(IDataView data, DataViewSchema.Column column)
    {
        var rows = new List<float[]>();
        using var cursor = data.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        var value = default(VBuffer<float>);
        while (cursor.MoveNext())
        {
            getter(ref value);
            rows.Add(value.DenseValues().ToArray());
        }
        return rows;
    }

    /// <summary>Writes one image as PNG, atomically.</summary>
    public static void Write(string path, ReadOnlySpan<float> planes, (int Channels, int Height, int Width) shape)
    {
        var pixels = new byte[shape.Channels * shape.Height * shape.Width];
        Interleave(planes, shape, pixels, shape.Width * shape.Channels, 0, 0);
        var bytes = pixels;
        AtomicFile.Write(path, stream => PngEncoder.Write(stream, shape.Width, shape.Height, shape.Channels, bytes));
    }

    /// <summary>
    /// Writes the images side by side, <paramref name="columns"/> per row (0: a square grid), each framed by one white
    /// pixel on every side, as one PNG, atomically.
    /// </summary>
    public static void WriteGrid(string path, IReadOnlyList<float[]> images, (int Channels, int Height, int Width) shape, int columns = 0)
    {
        if (images.Count == 0)
            throw new ArgumentException("No images to draw.", nameof(images));
        int perRow = columns > 0 ? columns : (int)Math.Ceiling(Math.Sqrt(images.Count));
        int rows = (images.Count + perRow - 1) / perRow;
        int tileWidth = shape.Width + 2, tileHeight = shape.Height + 2;
        int width = perRow * tileWidth, height = rows * tileHeight, stride = width * shape.Channels;
        var pixels = new byte[stride * height];
        Array.Fill(pixels, (byte)255);
        for (int i = 0; i < images.Count; i++)
            Interleave(images[i], shape, pixels, stride, (i % perRow) * tileWidth + 1, (i / perRow) * tileHeight + 1);
        AtomicFile.Write(path, stream => PngEncoder.Write(stream, width, height, shape.Channels, pixels));
    }

    private static (int, int, int) Checked(string name, int length, int channels, int height, int width) =>
        channels is 1 or 3 && channels * height * width == length
            ? (channels, height, width)
            : throw new ArgumentException($"Column '{name}' holds {length} values per row, which is not 1 or 3 planes of {height} x {width} pixels.");

    /// <summary>Copies planar values into the interleaved bytes of a larger image with its top-left corner at (left, top).</summary>
    private static void Interleave(ReadOnlySpan<float> planes, (int Channels, int Height, int Width) shape, byte[] target, int stride, int left, int top)
    {
        int plane = shape.Height * shape.Width;
        for (int c = 0; c < shape.Channels; c++)
        {
            for (int y = 0; y < shape.Height; y++)
            {
                for (int x = 0; x < shape.Width; x++)
                    target[(top + y) * stride + (left + x) * shape.Channels + c] = (byte)Math.Round(Math.Clamp(planes[c * plane + y * shape.Width + x], 0f, 1f) * 255);
            }
        }
    }
}
