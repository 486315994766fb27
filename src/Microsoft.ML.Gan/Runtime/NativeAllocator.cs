using System.Runtime.InteropServices;

namespace Microsoft.ML.Gan.Runtime;

/// <summary>
/// Keeps glibc's malloc from returning libtorch's freed tensor memory to the kernel after every step. By default
/// glibc serves blocks above a dynamic threshold with mmap and trims the heap top eagerly, so each training step
/// unmaps and re-faults the pages of its activations and gradients; on this project's 2-core VM those page faults
/// cost about a third of a step. Raising the mmap threshold to its maximum (32 MiB) and the trim threshold to 1 GiB
/// lets freed blocks be reused. The setting is process-wide and only affects glibc on Linux; elsewhere it does nothing.
/// </summary>
internal static partial class NativeAllocator
{
    private const int TrimThreshold = -1;
    private const int MmapThreshold = -3;
    private const int MaximumMmapThreshold = 32 * 1024 * 1024;
    private const int RetainedBytes = 1024 * 1024 * 1024;
    private static int _configured;

    /// <summary>Applies the setting once per process; returns true when glibc accepted it.</summary>
    public static bool KeepFreedMemory()
    {
        if (!OperatingSystem.IsLinux() || Interlocked.Exchange(ref _configured, 1) == 1)
            return false;
        try
        {
            return mallopt(MmapThreshold, MaximumMmapThreshold) == 1 && mallopt(TrimThreshold, RetainedBytes) == 1;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int mallopt(int parameter, int value);
}
