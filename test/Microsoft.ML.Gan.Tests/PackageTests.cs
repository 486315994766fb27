using System.Collections;
using System.Globalization;
using System.IO.Compression;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Microsoft.ML.Gan.Tests;

/// <summary>
/// The NuGet package works in a new application: packs src/Microsoft.ML.Gan into a temporary folder feed, builds
/// samples/PackageConsumer against it (outside the solution, restoring Microsoft.ML.Gan into a fresh packages folder
/// so that no cached copy is used), and runs it: it trains on a small MNIST subset, saves and reloads model.zip, and predicts.
/// </summary>
[TestClass]
public sealed partial class PackageTests
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(4);

    [TestMethod]
    public void ThePackageInstallsIntoANewApplicationThatTrainsAndPredicts()
    {
        string root = RepositoryRoot();
        string work = Directory.CreateTempSubdirectory("mlgan-package-").FullName;
        try
        {
            string feed = Path.Combine(work, "feed"), app = Path.Combine(work, "app"), packages = Path.Combine(work, "packages");
            var environment = ChildEnvironment(packages);
            string configuration = typeof(PackageTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
            Dotnet(environment, root, "pack", Path.Combine(root, "src", "Microsoft.ML.Gan", "Microsoft.ML.Gan.csproj"), "-c", configuration, "--no-build", "-o", feed);
            string package = Directory.GetFiles(feed, "Microsoft.ML.Gan.*.nupkg").Single(p => !p.EndsWith(".snupkg", StringComparison.Ordinal));
            Assert.HasCount(1, Directory.GetFiles(feed, "Microsoft.ML.Gan.*.snupkg"), "a symbols package is written beside the package");
            string version = CheckPackage(package);
            string[] nativeAssets = NativeAssets(root, configuration);
            CollectionAssert.IsSubsetOf(nativeAssets, PackageEntries(package), "the library's own native libraries are packed where NuGet copies them from");

            string sample = Path.Combine(root, "samples", "PackageConsumer");
            Directory.CreateDirectory(app);
            foreach (string file in new[] { "PackageConsumer.csproj", "Program.cs", "Directory.Build.props", "Directory.Packages.props" })
                File.Copy(Path.Combine(sample, file), Path.Combine(app, file));
            WriteNuGetConfig(Path.Combine(app, "NuGet.config"), feed, GlobalPackagesFolder(environment, root));
            Dotnet(environment, app, "build", "-c", "Release", "--disable-build-servers", "-nodeReuse:false", $"-p:MicrosoftMLGanVersion={version}");
            Assert.IsTrue(Directory.Exists(Path.Combine(packages, "microsoft.ml.gan", version)), "Microsoft.ML.Gan was restored from the fresh feed into the fresh packages folder");

            string model = Path.Combine(work, "model.zip");
            string output = Dotnet(environment, app, Path.Combine(app, "bin", "Release", "net10.0", "PackageConsumer.dll"), TestData.DataDirectory, model);
            double accuracy = Number(AccuracyLine().Match(output), output);
            double reloaded = Number(ReloadedLine().Match(output), output);
            Assert.IsGreaterThan(0.5, accuracy, $"ten classes: chance is 0.1; the sample reached 0.75 when written.\n{output}");
            Assert.AreEqual(accuracy, reloaded, $"the reloaded model.zip scores the same rows alike.\n{output}");
            Assert.IsTrue(File.Exists(model), "model.zip is saved");
            Assert.IsTrue(PredictionLine().IsMatch(output), $"a prediction of one digit is printed.\n{output}");
            foreach (string asset in nativeAssets)
                Assert.IsTrue(File.Exists(Path.Combine(app, "bin", "Release", "net10.0", asset)), $"{asset} reaches the application's output");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>
    /// The native libraries the library's build puts under runtimes/ of its own output (relative paths, e.g.
    /// runtimes/linux-x64/native/lib....so); the package must carry each at the same path.
    /// </summary>
    private static string[] NativeAssets(string root, string configuration)
    {
        string output = Path.Combine(root, "src", "Microsoft.ML.Gan", "bin", configuration, "net10.0");
        string runtimes = Path.Combine(output, "runtimes");
        return Directory.Exists(runtimes)
            ? Directory.GetFiles(runtimes, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(output, f).Replace('\\', '/')).ToArray()
            : [];
    }

    private static string[] PackageEntries(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        return zip.Entries.Select(e => e.FullName).ToArray();
    }

    /// <summary>Checks the package's metadata and files; returns its version.</summary>
    private static string CheckPackage(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        var names = zip.Entries.Select(e => e.FullName).ToArray();
        CollectionAssert.IsSubsetOf(new[] { "README.md", "lib/net10.0/Microsoft.ML.Gan.dll", "lib/net10.0/Microsoft.ML.Gan.xml" }, names, string.Join(", ", names));
        using var nuspec = zip.Entries.Single(e => e.FullName == "Microsoft.ML.Gan.nuspec").Open();
        var metadata = XDocument.Load(nuspec).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string Field(string name) => metadata.Elements().Single(e => e.Name.LocalName == name).Value;
        Assert.AreEqual("Microsoft.ML.Gan", Field("id"));
        Assert.AreEqual("MIT", Field("license"));
        Assert.AreEqual("README.md", Field("readme"));
        StringAssert.Contains(Field("description"), "semi-supervised", StringComparison.OrdinalIgnoreCase);
        var dependencies = metadata.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => e.Attribute("id")!.Value).ToArray();
        CollectionAssert.IsSubsetOf(new[] { "Microsoft.ML", "Microsoft.ML.OnnxTransformer", "TorchSharp-cpu" }, dependencies, string.Join(", ", dependencies));
        return Field("version");
    }

    /// <summary>
    /// A NuGet.config with only the folder feed as a source: Microsoft.ML.Gan comes from the feed into the packages folder
    /// named by NUGET_PACKAGES; its dependencies, already restored for the solution, are read from the global packages folder.
    /// </summary>
    private static void WriteNuGetConfig(string path, string feed, string globalPackages) =>
        new XDocument(new XElement("configuration",
            new XElement("packageSources", new XElement("clear"), new XElement("add", new XAttribute("key", "feed"), new XAttribute("value", feed))),
            new XElement("fallbackPackageFolders", new XElement("add", new XAttribute("key", "global"), new XAttribute("value", globalPackages))))).Save(path);

    private static string GlobalPackagesFolder(IReadOnlyDictionary<string, string?> environment, string root)
    {
        if (Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured)
            return configured;
        var withoutOverride = environment.ToDictionary(p => p.Key, p => p.Key == "NUGET_PACKAGES" ? null : p.Value);
        string listing = Dotnet(withoutOverride, root, "nuget", "locals", "global-packages", "--list");
        return listing.Trim().Split("global-packages:", 2)[1].Trim();
    }

    /// <summary>The test host's environment without MSBuild's variables (a child build must start afresh), with NUGET_PACKAGES set.</summary>
    private static Dictionary<string, string?> ChildEnvironment(string packages)
    {
        var environment = new Dictionary<string, string?>();
        foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            string name = (string)variable.Key;
            if (name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase))
                environment[name] = null;
        }
        environment["NUGET_PACKAGES"] = packages;
        environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        environment["DOTNET_NOLOGO"] = "1";
        return environment;
    }

    private static string Dotnet(IReadOnlyDictionary<string, string?> environment, string directory, params string[] arguments)
    {
        var (code, output, error) = ChildProcess.Run("dotnet", arguments, StepTimeout, environment, directory);
        Assert.AreEqual(0, code, $"dotnet {string.Join(' ', arguments)} failed.\n{output}\n{error}");
        return output;
    }

    private static double Number(Match match, string output)
    {
        Assert.IsTrue(match.Success, $"line not found in the output:\n{output}");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "MLGan.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException($"No folder holding MLGan.sln above '{AppContext.BaseDirectory}'.");
    }

    [GeneratedRegex(@"^Test accuracy: ([0-9.]+) on", RegexOptions.Multiline)]
    private static partial Regex AccuracyLine();

    [GeneratedRegex(@"^Reloaded model\.zip: test accuracy ([0-9.]+)", RegexOptions.Multiline)]
    private static partial Regex ReloadedLine();

    [GeneratedRegex(@"^Predicted: [0-9] \(true [0-9]\)", RegexOptions.Multiline)]
    private static partial Regex PredictionLine();
}
