using System.Runtime.InteropServices;

namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>
/// Makes glibc's malloc keep freed memory in the process instead of returning it to the kernel, for a benchmark that
/// repeats one pass many times. Between such passes glibc otherwise unmaps and trims the pass's large tensors, and every
/// later pass faults its pages back in: about 1,500 faults per discriminator training pass, some 9-12 µs each on the
/// project's VM, which a training run, whose own steps keep their memory, does not pay (docs/performance.md).
/// </summary>
internal static partial class RetainedMemory
{
    /// <summary>mallopt's M_TRIM_THRESHOLD.</summary>
    private const int TrimThreshold = -1;

    /// <summary>mallopt's M_MMAP_THRESHOLD.</summary>
    private const int MmapThreshold = -3;

    /// <summary>Allocations up to 32 MiB (glibc's largest mmap threshold on 64-bit) come from the heap, and the heap is trimmed only above 1 GiB free; returns whether glibc took both settings (false off Linux).</summary>
    public static bool Keep()
    {
        if (!OperatingSystem.IsLinux())
            return false;
        try
        {
            return mallopt(MmapThreshold, 32 << 20) == 1 && mallopt(TrimThreshold, 1 << 30) == 1;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc")]
    private static partial int mallopt(int parameter, int value);
}
