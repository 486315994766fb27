using System.Runtime.InteropServices;

namespace Microsoft.ML.Gan.Runtime;

/// <summary>
/// Bounds how long libtorch's OpenMP threads spin while they wait for work. libtorch (TorchSharp-cpu) runs its parallel
/// kernels on GNU OpenMP (libgomp), whose idle workers by default spin 300,000 times at every barrier; when another
/// process keeps the cores busy, a spinning worker holds a core that the worker with the work needs, and a two-thread
/// training epoch with a fixed thread count ran about 20 times slower. With <c>GOMP_SPINCOUNT=100000</c> (about 2 ms on
/// the project's AMD EPYC, 19 ns per spin) a waiting thread stays awake through the gaps between the kernels of one
/// training step, where waking a sleeping thread cost an MNIST step about 1 ms (24.3 against 23.2 ms on average in alternating runs), and then sleeps; under load the trainer's
/// default thread count drops to the free cores (<see cref="FreeCoreThreads"/>). libgomp reads the variable when it is
/// loaded, with libtorch, through the C library's environment, which .NET's
/// <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not change on Unix; so it is set with libc's
/// setenv, before libtorch loads (<see cref="NativeStartup"/>). A value the user set (OMP_WAIT_POLICY or GOMP_SPINCOUNT,
/// e.g. OMP_WAIT_POLICY=ACTIVE to always spin) is kept. The setting is process-wide.
/// </summary>
internal static partial class OpenMpWaitPolicy
{
    /// <summary>The OpenMP wait policy variable; left to the user.</summary>
    public const string Variable = "OMP_WAIT_POLICY";

    /// <summary>libgomp's spin count variable, set when the user set neither.</summary>
    public const string SpinCountVariable = "GOMP_SPINCOUNT";

    /// <summary>The spin count set when the user set none: spins before a waiting thread sleeps.</summary>
    public const string SpinCount = "100000";

    private static string? _description;

    /// <summary>One sentence for the log: the wait policy libgomp was given.</summary>
    public static string Describe() => _description ?? Apply();

    /// <summary>Sets GOMP_SPINCOUNT=100000 in the native environment unless the user set a wait policy; once per process.</summary>
    public static string Apply()
    {
        if (_description is not null)
            return _description;
        if (!OperatingSystem.IsLinux())
            return _description = "OpenMP wait policy: left to libtorch's OpenMP runtime (not Linux).";
        try
        {
            string? policy = GetNative(Variable), spinCount = GetNative(SpinCountVariable);
            if (policy is not null || spinCount is not null)
                return _description = $"OpenMP wait policy: as set in the environment ({Variable}={policy ?? "unset"}, {SpinCountVariable}={spinCount ?? "unset"}).";
            if (setenv(SpinCountVariable, SpinCount, 0) != 0)
                return _description = $"OpenMP wait policy: libgomp's default (setenv {SpinCountVariable} failed).";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return _description = $"OpenMP wait policy: libgomp's default (no setenv in the C library: {e.Message}).";
        }
        string loaded = MklFastPath.LibtorchLoaded() ? " libtorch was already loaded, so its OpenMP runtime keeps the policy it read at load." : "";
        return _description = $"OpenMP wait policy: {SpinCountVariable}={SpinCount} (waiting threads spin for about a millisecond or two, then sleep, so training degrades gracefully when other processes share the cores; set {Variable}=ACTIVE to spin).{loaded}";
    }

    private static string? GetNative(string name) => Marshal.PtrToStringUTF8(getenv(name));

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint getenv(string name);

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);
}
