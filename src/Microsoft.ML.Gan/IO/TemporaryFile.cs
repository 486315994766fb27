namespace Microsoft.ML.Gan.IO;

/// <summary>
/// Bytes written to a new file in <see cref="MLContext.TempFilePath"/> for a reader that takes a path, deleted on
/// <see cref="Dispose"/>. The scoring chain's OnnxTransformer reads its graph this way: given a stream instead,
/// ML.NET copies it to a temporary file of its own that it never deletes (211 KB per fitted MNIST model).
/// </summary>
internal sealed class TemporaryFile : IDisposable
{
    public TemporaryFile(MLContext mlContext, byte[] contents, string extension)
    {
        string folder = string.IsNullOrEmpty(mlContext.TempFilePath) ? System.IO.Path.GetTempPath() : mlContext.TempFilePath;
        Path = System.IO.Path.Combine(folder, $"mlgan-{Guid.NewGuid():N}{extension}");
        File.WriteAllBytes(Path, contents);
    }

    /// <summary>The file's full path.</summary>
    public string Path { get; }

    /// <summary>Deletes the file; dispose its readers first (on Windows an open file cannot be deleted).</summary>
    public void Dispose() => File.Delete(Path);
}
