namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>Formats the test errors (%) and wall seconds of one setting run with several seeds.</summary>
internal static class SeedRuns
{
    /// <summary>"mean ± sample std" of the errors, "x (1 seed)" for one run, empty for none.</summary>
    public static string Summary(IReadOnlyCollection<(double Error, double Seconds)> runs)
    {
        if (runs.Count == 0)
            return "";
        var spread = Spread(runs.Select(r => r.Error).ToList());
        return runs.Count == 1 ? $"{spread.Mean:F2} (1 seed)" : $"{spread.Mean:F2} ± {spread.StandardDeviation:F2}";
    }

    /// <summary>The mean wall seconds per run, empty for none.</summary>
    public static string Seconds(IReadOnlyCollection<(double Error, double Seconds)> runs) =>
        runs.Count == 0 ? "" : $"{runs.Average(r => r.Seconds):F0}";

    /// <summary>Mean, sample standard deviation (0 for one value), lowest and highest of at least one error.</summary>
    public static (double Mean, double StandardDeviation, double Best, double Worst) Spread(IReadOnlyCollection<double> errors)
    {
        double mean = errors.Average();
        double std = errors.Count < 2 ? 0 : Math.Sqrt(errors.Sum(e => (e - mean) * (e - mean)) / (errors.Count - 1));
        return (mean, std, errors.Min(), errors.Max());
    }
}
