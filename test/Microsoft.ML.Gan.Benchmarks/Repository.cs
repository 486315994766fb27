namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>Finds the repository root (the folder holding MLGan.sln) and the shared data beside it.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>
    /// MLGAN_DATA_DIR if set (a relative path is taken from the current directory, as
    /// <see cref="MnistDataset.ResolveDirectory"/> does for any program), else ../shared/data beside the repository.
    /// </summary>
    public static string DataDirectory =>
        Environment.GetEnvironmentVariable(MnistDataset.DataDirectoryEnvironmentVariable) is { Length: > 0 }
            ? MnistDataset.ResolveDirectory()
            : Path.GetFullPath(Path.Combine(Root, "..", "shared", "data"));

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "MLGan.sln")))
                return directory.FullName;
        }
        return Directory.GetCurrentDirectory();
    }
}
