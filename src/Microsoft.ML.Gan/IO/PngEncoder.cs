using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Microsoft.ML.Gan.IO;

/// <summary>
/// Writes 8-bit grayscale or RGB images as PNG (ISO/IEC 15948): the signature, an IHDR chunk, one IDAT chunk holding the
/// zlib-compressed scanlines (each with filter type 0) and an IEND chunk, every chunk followed by its CRC-32.
/// </summary>
internal static class PngEncoder
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>Writes <paramref name="pixels"/>, rows top to bottom of <paramref name="width"/> pixels, each 1 (gray) or 3 (R, G, B) bytes.</summary>
    public static void Write(Stream stream, int width, int height, int channels, ReadOnlySpan<byte> pixels)
    {
        if (channels is not (1 or 3))
            throw new ArgumentOutOfRangeException(nameof(channels), $"{channels} channels; PNG images here have 1 (gray) or 3 (RGB).");
        int stride = width * channels;
        if (width <= 0 || height <= 0 || pixels.Length != stride * height)
            throw new ArgumentException($"{pixels.Length} bytes do not make a {width} x {height} image of {channels} channel(s).", nameof(pixels));
        stream.Write(Signature);
        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8;
        header[9] = channels == 1 ? (byte)0 : (byte)2;
        WriteChunk(stream, "IHDR", header);
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (int y = 0; y < height; y++)
            {
                zlib.WriteByte(0);
                zlib.Write(pixels.Slice(y * stride, stride));
            }
        }
        WriteChunk(stream, "IDAT", compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
        WriteChunk(stream, "IEND", []);
    }

    private static void WriteChunk(Stream stream, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        stream.Write(word);
        Span<byte> name = stackalloc byte[4];
        Encoding.ASCII.GetBytes(type, name);
        stream.Write(name);
        stream.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, ~Crc(Crc(uint.MaxValue, name), data));
        stream.Write(word);
    }

    /// <summary>The running CRC-32 (polynomial 0xEDB88320, reflected) of <paramref name="data"/> from <paramref name="crc"/>.</summary>
    private static uint Crc(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (byte b in data)
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
