using Microsoft.ML.Gan.Runtime;

namespace Microsoft.ML.Gan.Tests;

/// <summary>
/// Runs Microsoft.ML.Gan's native settings before any test, so that MKL's code path in the test process does not depend
/// on whether the first test to run calls TorchSharp before the library; and points the temporary folder (of the tests,
/// of ML.NET and of the child processes they start) at one new folder, deleted after the last test, so that models a
/// test does not dispose leave nothing behind.
/// </summary>
[TestClass]
public sealed class TestAssembly
{
    private static string s_temporaryFolder = "";

    [AssemblyInitialize]
    public static void Initialize(TestContext context)
    {
        s_temporaryFolder = Directory.CreateTempSubdirectory("mlgan-tests-").FullName;
        Environment.SetEnvironmentVariable("TMPDIR", s_temporaryFolder);
        Environment.SetEnvironmentVariable("TMP", s_temporaryFolder);
        context.WriteLine(MklFastPath.Describe());
    }

    [AssemblyCleanup]
    public static void Cleanup() => Directory.Delete(s_temporaryFolder, recursive: true);
}
