namespace Microsoft.ML.Gan.Tests;

/// <summary>Locates the shared test data (the MNIST files live in its <c>mnist</c> subfolder).</summary>
internal static class TestData
{
    /// <summary>
    /// The data directory: the <c>MLGAN_DATA_DIR</c> environment variable if set, else <c>../shared/data</c>
    /// relative to the repository root (the first folder above the test binaries holding <c>MLGan.sln</c>).
    /// </summary>
    public static string DataDirectory { get; } = Resolve();

    private static string Resolve()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(MnistDataset.DataDirectoryEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return Path.GetFullPath(fromEnvironment);
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "MLGan.sln")))
            {
                return Path.GetFullPath(Path.Combine(directory.FullName, "..", "shared", "data"));
            }
        }

        throw new InvalidOperationException(
            $"No folder holding MLGan.sln was found above '{AppContext.BaseDirectory}'; "
            + $"set {MnistDataset.DataDirectoryEnvironmentVariable} to the test data directory.");
    }
}
