using System.Security.Cryptography;
using Microsoft.ML.Gan.Data;

namespace Microsoft.ML.Gan;

/// <summary>Locates, loads and downloads the MNIST handwritten-digit data set.</summary>
public static class MnistDataset
{
    /// <summary>Environment variable naming the data directory; MNIST files live in its <c>mnist</c> subfolder.</summary>
    public const string DataDirectoryEnvironmentVariable = "MLGAN_DATA_DIR";

    private const string SubdirectoryName = "mnist";
    private const string DefaultDataDirectory = "data";
    private const string DefaultBaseUrl = "https://ossci-datasets.s3.amazonaws.com/mnist/";
    private const string TrainImages = "train-images-idx3-ubyte";
    private const string TrainLabels = "train-labels-idx1-ubyte";
    private const string TestImages = "t10k-images-idx3-ubyte";
    private const string TestLabels = "t10k-labels-idx1-ubyte";

    /// <summary>SHA-256 (lower-case hex) of each file's decompressed content, so the check is independent of gzip encoding.</summary>
    private static readonly (string Name, string Sha256)[] Files =
    [
        (TrainImages, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
        (TrainLabels, "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
        (TestImages, "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
        (TestLabels, "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
    ];

    /// <summary>
    /// Returns the full path of the data directory: <paramref name="dataDirectory"/> if given, else the
    /// <c>MLGAN_DATA_DIR</c> environment variable, else <c>./data</c>. MNIST files live in its <c>mnist</c> subfolder.
    /// </summary>
    public static string ResolveDirectory(string? dataDirectory = null)
    {
        var directory = !string.IsNullOrWhiteSpace(dataDirectory)
            ? dataDirectory
            : Environment.GetEnvironmentVariable(DataDirectoryEnvironmentVariable);
        return Path.GetFullPath(string.IsNullOrWhiteSpace(directory) ? DefaultDataDirectory : directory);
    }

    /// <summary>
    /// Loads the MNIST training set (60,000 rows) and test set (10,000 rows) from <c>&lt;dir&gt;/mnist/</c>,
    /// with columns <c>Label</c> (Single, the digit) and <c>Features</c> (784 Singles in [0, 1]).
    /// Files may be gzip-compressed (<c>train-images-idx3-ubyte.gz</c>, ...) or raw (same names without <c>.gz</c>).
    /// </summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="dataDirectory">Data directory; default from <see cref="ResolveDirectory"/>.</param>
    /// <exception cref="FileNotFoundException">A file is missing; the message says where it was looked for.</exception>
    public static (IDataView Train, IDataView Test) Load(MLContext mlContext, string? dataDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        var directory = Path.Combine(ResolveDirectory(dataDirectory), SubdirectoryName);
        var trainImages = FindFile(directory, TrainImages);
        var trainLabels = FindFile(directory, TrainLabels);
        var testImages = FindFile(directory, TestImages);
        var testLabels = FindFile(directory, TestLabels);
        return (mlContext.Data.LoadFromIdx(trainImages, trainLabels), mlContext.Data.LoadFromIdx(testImages, testLabels));
    }

    /// <summary>
    /// Downloads the four gzip-compressed MNIST files into <c>&lt;directory&gt;/mnist/</c>. Each file is written to a
    /// temporary file, checked against the known SHA-256 of its decompressed content, then renamed into place.
    /// Files already present and verified are skipped.
    /// </summary>
    /// <param name="directory">Data directory (the files go to its <c>mnist</c> subfolder).</param>
    /// <param name="client">HTTP client to use; default a new client, disposed afterwards.</param>
    /// <param name="baseUri">Address the file names are appended to; default <c>https://ossci-datasets.s3.amazonaws.com/mnist/</c>.</param>
    /// <param name="cancellationToken">Cancels the download.</param>
    /// <exception cref="InvalidDataException">A downloaded file has the wrong checksum or is not valid gzip; it is deleted.</exception>
    /// <exception cref="HttpRequestException">The server did not return a file.</exception>
    public static async Task DownloadAsync(
        string directory,
        HttpClient? client = null,
        Uri? baseUri = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var target = Path.Combine(Path.GetFullPath(directory), SubdirectoryName);
        Directory.CreateDirectory(target);
        var source = baseUri ?? new Uri(DefaultBaseUrl);
        if (!source.AbsoluteUri.EndsWith('/'))
        {
            source = new Uri(source.AbsoluteUri + "/");
        }

        var ownedClient = client is null ? new HttpClient() : null;
        try
        {
            foreach (var (name, sha256) in Files)
            {
                if (await IsPresentAsync(target, name, sha256, cancellationToken).ConfigureAwait(false))
                {
                    continue;
                }

                await DownloadFileAsync(
                    client ?? ownedClient!, new Uri(source, name + ".gz"), Path.Combine(target, name + ".gz"), sha256, cancellationToken)
                    .ConfigureAwait(false);
            }
        }
        finally
        {
            ownedClient?.Dispose();
        }
    }

    private static string FindFile(string directory, string name)
    {
        var compressed = Path.Combine(directory, name + ".gz");
        if (File.Exists(compressed))
        {
            return compressed;
        }

        var raw = Path.Combine(directory, name);
        if (File.Exists(raw))
        {
            return raw;
        }

        throw new FileNotFoundException(
            $"MNIST file '{name}.gz' (or '{name}') was not found in directory '{directory}'. Set the "
            + $"{DataDirectoryEnvironmentVariable} environment variable to a directory whose '{SubdirectoryName}' subfolder "
            + $"holds the MNIST files, or call {nameof(MnistDataset)}.{nameof(DownloadAsync)} to fetch them.",
            compressed);
    }

    private static async Task<bool> IsPresentAsync(string directory, string name, string sha256, CancellationToken cancellationToken)
    {
        foreach (var path in new[] { Path.Combine(directory, name + ".gz"), Path.Combine(directory, name) })
        {
            if (!File.Exists(path))
            {
                continue;
            }

            try
            {
                if (await ContentSha256Async(path, cancellationToken).ConfigureAwait(false) == sha256)
                {
                    return true;
                }
            }
            catch (InvalidDataException)
            {
                // A corrupt existing file counts as absent and is replaced by the download.
            }
        }

        return false;
    }

    private static async Task DownloadFileAsync(
        HttpClient client, Uri uri, string path, string expectedSha256, CancellationToken cancellationToken)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var response = await client.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false))
            {
                if (!response.IsSuccessStatusCode)
                {
                    throw new HttpRequestException(
                        $"Downloading '{uri}' failed with HTTP status {(int)response.StatusCode} ({response.ReasonPhrase}).",
                        null,
                        response.StatusCode);
                }

                await using var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None);
                await response.Content.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
            }

            string actual;
            try
            {
                actual = await ContentSha256Async(temporary, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException ex)
            {
                throw new InvalidDataException(
                    $"Downloaded file '{Path.GetFileName(path)}' from '{uri}' is not a valid gzip stream: {ex.Message} The file was discarded.",
                    ex);
            }

            if (actual != expectedSha256)
            {
                throw new InvalidDataException(
                    $"Downloaded file '{Path.GetFileName(path)}' from '{uri}' has SHA-256 {actual} of its decompressed content, "
                    + $"expected {expectedSha256}. The file was discarded.");
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static async Task<string> ContentSha256Async(string path, CancellationToken cancellationToken)
    {
        await using var content = IdxReader.OpenContent(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(content, cancellationToken).ConfigureAwait(false));
    }
}
