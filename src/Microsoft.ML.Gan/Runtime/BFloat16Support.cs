namespace Microsoft.ML.Gan.Runtime;

/// <summary>
/// Whether the CPU multiplies bfloat16 natively (AVX-512 BF16 or AMX BF16, from the flags of Linux's /proc/cpuinfo), for
/// the log line of <see cref="MatrixMultiplyPrecision.BFloat16"/>. Elsewhere, or where /proc cannot be read, unknown.
/// </summary>
internal static class BFloat16Support
{
    /// <summary>True or false from /proc/cpuinfo's flags; null when they cannot be read.</summary>
    public static bool? Native()
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

    /// <summary>Whether the first "flags" line of a /proc/cpuinfo text has avx512_bf16 or amx_bf16; null without one.</summary>
    public static bool? FromCpuInfo(IEnumerable<string> lines)
    {
        string? flags = lines.FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal));
        if (flags is null)
            return null;
        var names = flags[(flags.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return names.Contains("avx512_bf16") || names.Contains("amx_bf16");
    }

    /// <summary>The log line: bfloat16 is on, and whether this CPU runs it natively.</summary>
    public static string Describe(bool? native) => "The dense layers multiply in bfloat16 while training (MatrixMultiplyPrecision.BFloat16); " + native switch
    {
        true => "this CPU has bfloat16 instructions (AVX-512 BF16 or AMX).",
        false => "this CPU has no bfloat16 instructions (neither AVX-512 BF16 nor AMX), so libtorch emulates the products, which can be slower than Single.",
        null => "whether this CPU has bfloat16 instructions is unknown.",
    };
}
