using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Microsoft.ML.Gan.Runtime;

/// <summary>
/// Native settings that must precede libtorch's loading: the OpenMP wait policy (<see cref="OpenMpWaitPolicy"/>) and
/// MKL's fast path on AMD (<see cref="MklFastPath"/>). libtorch is loaded by TorchSharp on its first call, and many of
/// this library's types touch TorchSharp (static fields included), so the settings run as the module initializer:
/// before any code of Microsoft.ML.Gan runs, and so before libtorch whenever the application reaches TorchSharp through
/// this library. The trainer logs the outcome.
/// </summary>
internal static class NativeStartup
{
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255", Justification = "MKL and OpenMP read their settings once, when libtorch loads; only a module initializer runs before every path into TorchSharp.")]
    internal static void Run()
    {
        OpenMpWaitPolicy.Apply();
        MklFastPath.Enable();
    }
}
