using Microsoft.ML.Gan.Runtime;

namespace Microsoft.ML.Gan.Tests;

/// <summary>
/// Runs Microsoft.ML.Gan's native settings before any test, so that MKL's code path in the test process does not depend
/// on whether the first test to run calls TorchSharp before the library.
/// </summary>
[TestClass]
public sealed class TestAssembly
{
    [AssemblyInitialize]
    public static void Initialize(TestContext context) => context.WriteLine(MklFastPath.Describe());
}
