using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Text;

namespace Microsoft.ML.Gan.Runtime;

/// <summary>
/// Lets the Intel MKL inside libtorch take its fast code path on AMD CPUs. MKL asks its function
/// <c>mkl_serv_intel_cpu_true</c> whether the CPU is Intel's and on other CPUs runs a generic AVX2 path, even where the
/// CPU has AVX-512: on the project's AMD EPYC (AVX-512) libtorch multiplied float32 matrices at 163-179 GFLOP/s on 2
/// threads, and at 330-425 GFLOP/s with the answer "yes". The library ships a native library defining that function to
/// return 1 (libmlgan_mkl_intel_cpu.so, built from Native/mkl_intel_cpu.c) and loads it into the global symbol scope
/// before libtorch is loaded, so libtorch's own, exported definition is interposed. MKL then chooses its code path from
/// the CPU's feature flags as on an Intel CPU: AVX-512 where the CPU has it, AVX2 where it has not.
/// <para>
/// Applies on x86-64 Linux with an AMD CPU only (nothing happens on Intel CPUs, where MKL's answer is already yes). The
/// effect is process-wide and fixed once MKL has dispatched, so it is switched by process-wide settings, both on by
/// default: the runtime configuration option <see cref="SwitchName"/> (false turns it off) and the environment
/// variable <see cref="EnvironmentVariable"/> (0 or false turns it off). Either one turning it off wins.
/// </para>
/// </summary>
internal static partial class MklFastPath
{
    /// <summary>Runtime configuration option (<c>RuntimeHostConfigurationOption</c>, runtimeconfig.json or <c>AppContext.SetSwitch</c>); false turns the fast path off.</summary>
    public const string SwitchName = "Microsoft.ML.Gan.MklFastPath";

    /// <summary>Environment variable; "0" or "false" turns the fast path off.</summary>
    public const string EnvironmentVariable = "MLGAN_MKL_FAST_PATH";

    /// <summary>File name of the native library that answers MKL's CPU check.</summary>
    public const string LibraryName = "libmlgan_mkl_intel_cpu.so";

    /// <summary>MKL's CPU-check function that the native library defines.</summary>
    public const string SymbolName = "mkl_serv_intel_cpu_true";

    private const int RtldNow = 0x2;
    private const int RtldGlobal = 0x100;
    private static readonly object Gate = new();
    private static MklFastPathState? _state;
    private static string _detail = "";

    /// <summary>What <see cref="Enable"/> did in this process; null before it ran.</summary>
    public static MklFastPathState? State => _state;

    /// <summary>
    /// Loads the native library when the fast path applies and is not turned off, once per process; later calls return
    /// the first call's outcome. Must run before libtorch is loaded (MKL caches its dispatch), which
    /// <see cref="NativeStartup"/> ensures.
    /// </summary>
    public static MklFastPathState Enable()
    {
        lock (Gate)
        {
            _state ??= Decide();
            return _state.Value;
        }
    }

    /// <summary>One sentence for the log: whether the fast path is on, and why not when it is not.</summary>
    public static string Describe() => Enable() switch
    {
        MklFastPathState.Enabled => $"MKL fast path on AMD: on ({LibraryName} loaded before libtorch; MKL picks its code path from the CPU's features). Set {EnvironmentVariable}=0 to turn it off.",
        MklFastPathState.TurnedOff => $"MKL fast path on AMD: off ({_detail}).",
        MklFastPathState.NotApplicable => $"MKL fast path on AMD: not needed ({_detail}).",
        MklFastPathState.LibtorchAlreadyLoaded => $"MKL fast path on AMD: could not be enabled: libtorch was loaded before Microsoft.ML.Gan, so MKL keeps its slower generic path on this AMD CPU. Use Microsoft.ML.Gan before any other TorchSharp call to get it.",
        _ => $"MKL fast path on AMD: could not be enabled ({_detail}).",
    };

    private static MklFastPathState Decide()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            return Skip(MklFastPathState.NotApplicable, $"{RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture}");
        string vendor = CpuVendor();
        if (vendor != "AuthenticAMD")
            return Skip(MklFastPathState.NotApplicable, $"CPU vendor {vendor}");
        if (AppContext.TryGetSwitch(SwitchName, out bool on) && !on)
            return Skip(MklFastPathState.TurnedOff, $"runtime option {SwitchName} is false");
        string? variable = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (variable is not null && (variable.Trim() == "0" || variable.Trim().Equals("false", StringComparison.OrdinalIgnoreCase)))
            return Skip(MklFastPathState.TurnedOff, $"{EnvironmentVariable}={variable}");
        if (LibtorchLoaded())
            return Skip(MklFastPathState.LibtorchAlreadyLoaded, "libtorch was loaded first");
        string? path = FindLibrary();
        if (path is null)
            return Skip(MklFastPathState.Failed, $"{LibraryName} not found next to the application or Microsoft.ML.Gan.dll");
        try
        {
            if (dlopen(path, RtldNow | RtldGlobal) == 0)
                return Skip(MklFastPathState.Failed, $"dlopen of {path} failed: {Marshal.PtrToStringUTF8(dlerror())}");
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return Skip(MklFastPathState.Failed, $"no dlopen in the C library: {e.Message}");
        }
        _detail = path;
        return MklFastPathState.Enabled;
    }

    private static MklFastPathState Skip(MklFastPathState state, string detail)
    {
        _detail = detail;
        return state;
    }

    /// <summary>The CPUID vendor string, e.g. "AuthenticAMD" or "GenuineIntel".</summary>
    internal static string CpuVendor()
    {
        if (!X86Base.IsSupported)
            return "unknown";
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        Span<byte> bytes = stackalloc byte[12];
        BitConverter.TryWriteBytes(bytes[..4], ebx);
        BitConverter.TryWriteBytes(bytes[4..8], edx);
        BitConverter.TryWriteBytes(bytes[8..], ecx);
        return Encoding.ASCII.GetString(bytes);
    }

    /// <summary>True when libtorch's CPU library is mapped into this process.</summary>
    internal static bool LibtorchLoaded()
    {
        try
        {
            return File.ReadLines("/proc/self/maps").Any(line => line.EndsWith("/libtorch_cpu.so", StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>
    /// The native library's path: in the runtime's native search directories (where a NuGet package's native assets
    /// resolve), else next to Microsoft.ML.Gan.dll or in its runtimes/linux-x64/native folder (a project reference).
    /// </summary>
    private static string? FindLibrary()
    {
        var directories = new List<string>();
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string searchDirectories)
            directories.AddRange(searchDirectories.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        foreach (string? root in new[] { Path.GetDirectoryName(typeof(MklFastPath).Assembly.Location), AppContext.BaseDirectory })
        {
            if (string.IsNullOrEmpty(root))
                continue;
            directories.Add(root);
            directories.Add(Path.Combine(root, "runtimes", "linux-x64", "native"));
        }
        return directories.Select(d => Path.Combine(d, LibraryName)).FirstOrDefault(File.Exists);
    }

    [LibraryImport("libc", EntryPoint = "dlopen", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint dlopen(string path, int flags);

    [LibraryImport("libc", EntryPoint = "dlerror")]
    private static partial nint dlerror();
}
