using TorchSharp;

namespace Microsoft.ML.Gan.Runtime;

/// <summary>
/// Whether the CPU multiplies bfloat16 natively (AVX-512 BF16 or AMX BF16, from the flags of Linux's /proc/cpuinfo;
/// elsewhere, or where /proc cannot be read, unknown), and so which precision <see cref="MatrixMultiplyPrecision.Auto"/>
/// trains in.
/// </summary>
internal static class BFloat16Support
{
    private static readonly Lazy<bool?> s_native = new(Native);

    /// <summary>Whether this CPU has bfloat16 instructions; null when unknown.</summary>
    public static bool? IsNative => s_native.Value;

    /// <summary>
    /// The precision a run trains in: <paramref name="requested"/>, or for <see cref="MatrixMultiplyPrecision.Auto"/>
    /// bfloat16 on a CPU <paramref name="device"/> with bfloat16 instructions and float32 otherwise.
    /// </summary>
    public static MatrixMultiplyPrecision Resolve(MatrixMultiplyPrecision requested, DeviceType device) =>
        requested != MatrixMultiplyPrecision.Auto ? requested
        : device == DeviceType.CPU && s_native.Value == true ? MatrixMultiplyPrecision.BFloat16
        : MatrixMultiplyPrecision.Single;

    /// <summary>
    /// The log line of a run's precision (<paramref name="requested"/>, what it resolves to on <paramref name="device"/>,
    /// and why), and whether it is a warning: bfloat16 on a CPU that only emulates it.
    /// </summary>
    public static (string Message, bool Warning) Describe(MatrixMultiplyPrecision requested, DeviceType device)
    {
        bool bfloat16 = Resolve(requested, device) == MatrixMultiplyPrecision.BFloat16;
        bool emulated = bfloat16 && device == DeviceType.CPU && s_native.Value == false;
        string why = device != DeviceType.CPU ? $"training on {device}"
            : s_native.Value switch
            {
                true => "this CPU has bfloat16 instructions (AVX-512 BF16 or AMX)",
                false => "this CPU has no bfloat16 instructions (neither AVX-512 BF16 nor AMX)",
                null => "whether this CPU has bfloat16 instructions is unknown",
            };
        string message = (bfloat16 ? "The dense layers multiply in bfloat16 while training" : "The dense layers multiply in float32")
            + $" (MatrixMultiplyPrecision {requested}; {why}{(emulated ? ", so libtorch emulates bfloat16, which can be slower than Single" : "")}).";
        return (message, emulated);
    }

    /// <summary>Whether the first "flags" line of a /proc/cpuinfo text has avx512_bf16 or amx_bf16; null without one.</summary>
    public static bool? FromCpuInfo(IEnumerable<string> lines)
    {
        string? flags = lines.FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal));
        if (flags is null)
            return null;
        var names = flags[(flags.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return names.Contains("avx512_bf16") || names.Contains("amx_bf16");
    }

    /// <summary>True or false from /proc/cpuinfo's flags; null when they cannot be read.</summary>
    private static bool? Native()
    {
        if (!OperatingSystem.IsLinux())
            return null;
        try
        {
            return FromCpuInfo(File.ReadLines("/proc/cpuinfo"));
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
