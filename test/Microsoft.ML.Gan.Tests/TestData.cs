namespace Microsoft.ML.Gan.Tests;

/// <summary>Locates the shared test data (the MNIST files live in its <c>mnist</c> subfolder).</summary>
internal static class TestData
{
    /// <summary>
    /// The data directory: the <c>MLGAN_DATA_DIR</c> environment variable if set, else <c>../shared/data</c>.
    /// A relative path is taken from the repository root (the folder holding <c>MLGan.sln</c>, where
    /// <c>dotnet test MLGan.sln</c> runs), not from the test host's current directory, which is its bin folder.
    /// </summary>
    public static string DataDirectory { get; } = Resolve();

    private static string Resolve()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(MnistDataset.DataDirectoryEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment) && Path.IsPathRooted(fromEnvironment))
        {
            return Path.GetFullPath(fromEnvironment);
        }

        var relative = string.IsNullOrWhiteSpace(fromEnvironment) ? Path.Combine("..", "shared", "data") : fromEnvironment;
        return Path.GetFullPath(relative, RepositoryRoot());
    }

    /// <summary>
    /// <c>mlgan train</c>'s arguments for a small checkpointed run: the first 500 MNIST test images, 5 labels per class,
    /// small networks, one torch thread, one line per epoch.
    /// </summary>
    public static string[] SmallMlganTrain(string checkpoints, string model, int epochs)
    {
        string images = Path.Combine(DataDirectory, "mnist", "t10k-images-idx3-ubyte.gz"), labels = Path.Combine(DataDirectory, "mnist", "t10k-labels-idx1-ubyte.gz");
        return ["train", "--images", images, "--labels", labels, "--rows", "500", "--labels-per-class", "5", "--epochs", epochs.ToString(),
            "--batch-size", "50", "--hidden", "64,32", "--generator-hidden", "32", "--noise-size", "16", "--threads", "1", "--plain",
            "--checkpoints", checkpoints, "--model", model];
    }

    /// <summary>The repository root: the first folder above the test host's that holds <c>MLGan.sln</c>.</summary>
    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "MLGan.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException(
            $"No folder holding MLGan.sln was found above '{AppContext.BaseDirectory}'; "
            + $"set {MnistDataset.DataDirectoryEnvironmentVariable} to the absolute path of the test data directory.");
    }
}
