// A child process for the native-setup tests (NativeStartupTests): a fresh process, because MKL chooses its code path
// once per process. It multiplies two float32 matrices with libtorch, so that MKL has dispatched, and prints:
//   state <MklFastPathState>
//   symbol <file defining mkl_serv_intel_cpu_true in the global symbol scope, or "none"> <its result>
//   branch <MKL's automatically chosen code branch, MKL_CBWR_* of mkl_cbwr.h: 10 AVX2, 12 AVX-512, 14 AVX-512 E1>
//   getenv OMP_WAIT_POLICY=<value native code sees, or "unset">
//   fresh-memory <"nan" when every value of a new, unwritten tensor is NaN (as under UninitialisedMemoryTests' allocator), else "other">
// Arguments: "switch-off" sets the runtime option Microsoft.ML.Gan.MklFastPath to false before Microsoft.ML.Gan runs;
// "torch-first" loads libtorch before Microsoft.ML.Gan runs. "fault" instead reads address 0 in native code, which kills
// the process with SIGSEGV (the crash ChildProcessTests expect the runtime's crash report of).
using System.Runtime.InteropServices;
using Microsoft.ML.Gan.Runtime;
using static TorchSharp.torch;

if (args.Contains("switch-off"))
    AppContext.SetSwitch(MklFastPath.SwitchName, false);
if (args.Contains("fault"))
    Probe.FaultInNativeCode();
if (args.Contains("torch-first"))
    Probe.LoadLibtorch();
Probe.Report();

internal static unsafe partial class Probe
{
    public static void LoadLibtorch() => ones(1).Dispose();

    public static void FaultInNativeCode() => Console.WriteLine(strlen(0));

    public static void Report()
    {
        var state = MklFastPath.Enable();
        using (var a = ones(64, 64))
        using (var product = a.matmul(a))
        {
            if (product[0, 0].item<float>() != 64)
                throw new InvalidOperationException("libtorch multiplied wrongly.");
        }
        Console.WriteLine($"state {state}");
        Console.WriteLine($"symbol {Resolve(MklFastPath.SymbolName)}");
        Console.WriteLine($"branch {CallInLibtorch("mkl_serv_cbwr_get_auto_branch")}");
        Console.WriteLine($"getenv {OpenMpWaitPolicy.Variable}={Marshal.PtrToStringUTF8(getenv(OpenMpWaitPolicy.Variable)) ?? "unset"}");
        using (var fresh = empty(4096))
        using (var nan = fresh.isnan())
        using (var all = nan.all())
            Console.WriteLine($"fresh-memory {(all.item<bool>() ? "nan" : "other")}");
        Console.WriteLine($"getenv {OpenMpWaitPolicy.SpinCountVariable}={Marshal.PtrToStringUTF8(getenv(OpenMpWaitPolicy.SpinCountVariable)) ?? "unset"}");
    }

    /// <summary>The file that defines <paramref name="name"/> in the process's global symbol scope, and the function's result.</summary>
    private static string Resolve(string name)
    {
        nint address = dlsym(0, name);
        if (address == 0)
            return "none";
        DlInfo info;
        string file = dladdr(address, &info) != 0 ? Marshal.PtrToStringUTF8(info.FileName) ?? "?" : "?";
        return $"{file} {((delegate* unmanaged<int>)address)()}";
    }

    /// <summary>Calls an int-returning function without arguments of libtorch_cpu.so.</summary>
    private static int CallInLibtorch(string name)
    {
        const int RtldNow = 0x2, RtldNoLoad = 0x4;
        nint library = dlopen("libtorch_cpu.so", RtldNow | RtldNoLoad);
        if (library == 0)
            throw new InvalidOperationException("libtorch_cpu.so is not loaded.");
        nint address = dlsym(library, name);
        if (address == 0)
            throw new InvalidOperationException($"libtorch_cpu.so has no {name}.");
        return ((delegate* unmanaged<int>)address)();
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct DlInfo
    {
        public nint FileName;
        public nint FileBase;
        public nint SymbolName;
        public nint SymbolAddress;
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint dlopen(string name, int flags);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint dlsym(nint handle, string name);

    [LibraryImport("libc")]
    private static partial int dladdr(nint address, DlInfo* info);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint getenv(string name);

    [LibraryImport("libc")]
    private static partial nint strlen(nint text);
}
