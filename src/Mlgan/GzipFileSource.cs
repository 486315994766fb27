using System.IO.Compression;
using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Cli;

/// <summary>One gzip-compressed text file as ML.NET's TextLoader reads files: every cursor opens it afresh and decompresses as it reads.</summary>
internal sealed class GzipFileSource(string path) : IMultiStreamSource
{
    public int Count => 1;

    public string GetPathOrNull(int index) => path;

    public Stream Open(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(index, 0);
        return new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
    }

    public TextReader OpenTextReader(int index) => new StreamReader(Open(index));
}
