namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>Formats the test errors (%) and wall seconds of one setting run with several seeds.</summary>
internal static class SeedRuns
{
    /// <summary>"mean ± sample std" of the errors, "x (1 seed)" for one run, empty for none.</summary>
    public static string Summary(IReadOnlyCollection<(double Error, double Seconds)> runs)
    {
        if (runs.Count == 0)
            return "";
        double mean = runs.Average(r => r.Error);
        if (runs.Count == 1)
            return $"{mean:F2} (1 seed)";
        double std = Math.Sqrt(runs.Sum(r => (r.Error - mean) * (r.Error - mean)) / (runs.Count - 1));
        return $"{mean:F2} ± {std:F2}";
    }

    /// <summary>The mean wall seconds per run, empty for none.</summary>
    public static string Seconds(IReadOnlyCollection<(double Error, double Seconds)> runs) =>
        runs.Count == 0 ? "" : $"{runs.Average(r => r.Seconds):F0}";
}
