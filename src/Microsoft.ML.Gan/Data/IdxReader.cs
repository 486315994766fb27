using System.Buffers.Binary;
using System.IO.Compression;

namespace Microsoft.ML.Gan.Data;

/// <summary>
/// Reads IDX files (the MNIST format), raw or gzip-compressed. Compression is detected from the
/// gzip magic bytes (1f 8b), not from the file extension.
/// </summary>
internal static class IdxReader
{
    /// <summary>Magic number of an unsigned-byte 3-D IDX file (images).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic number of an unsigned-byte 1-D IDX file (labels).</summary>
    public const int LabelsMagic = 0x00000801;

    private const int ChunkSize = 1 << 16;

    /// <summary>Reads an images file; pixel values are scaled to [0, 1] (byte value / 255).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a well-formed unsigned-byte 3-D IDX file.</exception>
    public static IdxImages ReadImages(string path)
    {
        using var stream = OpenContent(path);
        var dims = ReadHeader(stream, path, ImagesMagic, "unsigned-byte 3-D images", dimensionCount: 3);
        var (count, height, width) = (dims[0], dims[1], dims[2]);
        var total = (long)count * height * width;
        if (total > Array.MaxLength || (long)height * width > Array.MaxLength)
        {
            throw new InvalidDataException(
                $"IDX file '{path}' declares {count} images of {height}x{width} pixels, more than one array can hold.");
        }

        var pixels = new float[total];
        var buffer = new byte[ChunkSize];
        long filled = 0;
        while (filled < total)
        {
            var read = ReadFully(stream, buffer.AsSpan(0, (int)Math.Min(ChunkSize, total - filled)), path);
            for (var i = 0; i < read; i++)
            {
                pixels[filled + i] = buffer[i] / 255f;
            }

            filled += read;
            if (read == 0)
            {
                throw new InvalidDataException(
                    $"IDX file '{path}' is truncated: expected {total} bytes of pixels ({count} images of {height}x{width}), found {filled}.");
            }
        }

        EnsureAtEnd(stream, path, total, "pixels");
        return new IdxImages(pixels, count, height, width);
    }

    /// <summary>Reads a labels file; each label is one byte.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a well-formed unsigned-byte 1-D IDX file.</exception>
    public static byte[] ReadLabels(string path)
    {
        using var stream = OpenContent(path);
        var count = ReadHeader(stream, path, LabelsMagic, "unsigned-byte 1-D labels", dimensionCount: 1)[0];
        var labels = new byte[count];
        var read = ReadFully(stream, labels, path);
        if (read < count)
        {
            throw new InvalidDataException(
                $"IDX file '{path}' is truncated: expected {count} bytes of labels, found {read}.");
        }

        EnsureAtEnd(stream, path, count, "labels");
        return labels;
    }

    /// <summary>Reads a labels file that must hold exactly one label per image of <paramref name="imagesPath"/>.</summary>
    /// <exception cref="InvalidDataException">The label count differs from <paramref name="imageCount"/>.</exception>
    public static byte[] ReadLabels(string labelsPath, int imageCount, string imagesPath)
    {
        var labels = ReadLabels(labelsPath);
        if (labels.Length != imageCount)
        {
            throw new InvalidDataException(
                $"IDX labels file '{labelsPath}' has {labels.Length} labels, expected {imageCount} to match images file '{imagesPath}'.");
        }

        return labels;
    }

    /// <summary>
    /// Opens a file for reading its content, transparently decompressing it when it starts with the gzip magic bytes.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static Stream OpenContent(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"IDX file '{path}' was not found.", path);
        }

        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, ChunkSize);
        Span<byte> magic = stackalloc byte[2];
        var isGzip = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        file.Position = 0;
        return isGzip ? new GZipStream(file, CompressionMode.Decompress) : file;
    }

    /// <summary>
    /// Reads until <paramref name="buffer"/> is full or the stream ends; returns the number of bytes read.
    /// A corrupt gzip stream is reported as an <see cref="InvalidDataException"/> naming the file.
    /// </summary>
    public static int ReadFully(Stream stream, Span<byte> buffer, string path)
    {
        try
        {
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException ex) when (stream is GZipStream)
        {
            throw new InvalidDataException($"File '{path}' is not a valid gzip stream: {ex.Message}", ex);
        }
    }

    private static int[] ReadHeader(Stream stream, string path, int expectedMagic, string kind, int dimensionCount)
    {
        var headerLength = 4 * (1 + dimensionCount);
        Span<byte> header = stackalloc byte[headerLength];
        var read = ReadFully(stream, header[..4], path);
        if (read < 4)
        {
            throw new InvalidDataException(
                $"IDX file '{path}' is truncated: expected a {headerLength}-byte header, found {read} bytes.");
        }

        var magic = BinaryPrimitives.ReadInt32BigEndian(header);
        if (magic != expectedMagic)
        {
            throw new InvalidDataException(
                $"IDX file '{path}' has magic number 0x{magic:X8}, expected 0x{expectedMagic:X8} ({kind}).");
        }

        read = 4 + ReadFully(stream, header[4..], path);
        if (read < headerLength)
        {
            throw new InvalidDataException(
                $"IDX file '{path}' is truncated: expected a {headerLength}-byte header, found {read} bytes.");
        }

        var dims = new int[dimensionCount];
        for (var i = 0; i < dimensionCount; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(header[(4 + (4 * i))..]);
            if (dims[i] < 0)
            {
                throw new InvalidDataException(
                    $"IDX file '{path}' has a negative size {dims[i]} for dimension {i}, expected a size >= 0.");
            }
        }

        return dims;
    }

    private static void EnsureAtEnd(Stream stream, string path, long expected, string what)
    {
        Span<byte> probe = stackalloc byte[1];
        if (ReadFully(stream, probe, path) != 0)
        {
            throw new InvalidDataException(
                $"IDX file '{path}' has unexpected data after the {expected} bytes of {what} declared by its header.");
        }
    }
}
