using System.Diagnostics;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Microsoft.ML.Gan.Runtime;

/// <summary>
/// Functions of the libraries libtorch links (its OpenMP runtime, the Intel MKL it bundles), looked up through
/// libtorch_cpu's own handle, whose dependencies the lookup searches: the functions libtorch itself calls, not others
/// of the same name elsewhere on the system.
/// </summary>
internal static class LibtorchExports
{
    private static readonly Lazy<nint> Library = new(Load);

    /// <summary>The address of <paramref name="name"/>, or 0 where libtorch_cpu is not loaded or does not reach it.</summary>
    public static nint Find(string name) =>
        Library.Value != 0 && NativeLibrary.TryGetExport(Library.Value, name, out var address) ? address : 0;

    private static nint Load()
    {
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
            var path = Process.GetCurrentProcess().Modules.Cast<ProcessModule>()
                .Select(m => m.FileName).FirstOrDefault(f => Path.GetFileName(f).StartsWith("libtorch_cpu", StringComparison.Ordinal));
            return path is not null && NativeLibrary.TryLoad(path, out var library) ? library : 0;
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or IOException)
        {
            return 0;
        }
    }
}
