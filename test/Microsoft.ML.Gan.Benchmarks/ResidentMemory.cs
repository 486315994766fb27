namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>Resident memory of this process from /proc/self/status (Linux), in MiB.</summary>
internal static class ResidentMemory
{
    /// <summary>Current resident set (VmRSS).</summary>
    public static double CurrentMiB => Read("VmRSS:");

    /// <summary>Peak resident set since the process started (VmHWM).</summary>
    public static double PeakMiB => Read("VmHWM:");

    private static double Read(string field)
    {
        if (!File.Exists("/proc/self/status"))
            return Environment.WorkingSet / (1024.0 * 1024.0);
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return long.Parse(line[field.Length..].Trim().Split(' ')[0]) / 1024.0;
    }
}
