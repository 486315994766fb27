using System.Globalization;

namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>
/// Whether a seed protocol's results are "no worse" than a reference's at their last epoch.
/// <para>
/// Against one reference file (one rounding of the reference recipe): the label sets' mean at most the reference's mean
/// plus one reference standard deviation, and their worst at most the reference's worst.
/// </para>
/// <para>
/// Against several reference files that train one recipe under different roundings (for example one and two torch
/// threads, which sum in different orders): the rounding noise s is the pooled standard deviation of each label set's
/// errors across the roundings. A candidate is "no worse" when its mean exceeds the references' mean by at most
/// <see cref="MeanSigmas"/> standard errors of that difference (s * sqrt(1/n + 1/(n k)) for n label sets and k
/// roundings), and no label set exceeds its references' mean by more than <see cref="LabelSetSigmas"/> times the noise
/// of that difference (s * sqrt(1 + 1/k)). A change that only rounds differently then fails about as rarely as the
/// normal tails say, while a stall on one label set (a point or more) or a shift of every set fails.
/// </para>
/// <para>
/// A candidate trained under m roundings (this run and its other roundings' files) is judged by its mean per label set
/// over them: the limits become s * sqrt(1/(n m) + 1/(n k)) and s * sqrt(1/m + 1/k). A stall that follows the change
/// comes back under each rounding; one that rounding alone brought is diluted by the others.
/// </para>
/// </summary>
internal static class SeedsVerdict
{
    /// <summary>Standard errors by which the mean over label sets may exceed the references' (one-sided, about 2%).</summary>
    public const double MeanSigmas = 2;

    /// <summary>Standard deviations by which one label set may exceed its references' mean (about 0.1% each, one-sided).</summary>
    public const double LabelSetSigmas = 3;

    /// <summary>
    /// The verdict line of the report: "no worse", "worse", or why the results cannot be compared; with
    /// <paramref name="candidateRoundings"/>, this candidate's results under other roundings, judged with them.
    /// </summary>
    public static string Of(SeedsResults results, IReadOnlyList<(string Path, SeedsResults Results)> references,
        IReadOnlyList<(string Path, SeedsResults Results)>? candidateRoundings = null)
    {
        candidateRoundings ??= [];
        var files = references.Select(r => (Role: "the reference", Heading: "Reference", r.Path, r.Results))
            .Concat(candidateRoundings.Select(r => (Role: "the candidate under another rounding", Heading: "This candidate under another rounding", r.Path, r.Results))).ToList();
        string against = string.Join(" ", files.Select(f =>
            $"{f.Heading}: {f.Path} ('{f.Results.Protocol}', written {f.Results.WrittenUtc:yyyy-MM-dd}, commit {f.Results.Commit})."));
        if (files.FirstOrDefault(f => f.Results.Epochs != results.Epochs || f.Results.TrainingRows != results.TrainingRows) is { Results: not null } different)
            return $"Verdict: **not comparable**: {different.Role} {different.Path} has {different.Results.Epochs} epochs and {Rows(different.Results)} training rows, this run {results.Epochs} and {Rows(results)}. {against}";
        if (candidateRoundings.Count > 0 && references.Count < 2)
            return $"Verdict: **not comparable**: a candidate under several roundings is judged against two or more roundings of the reference. {against}";
        var current = LastEpochErrors(results);
        var earlier = references.Select(r => LastEpochErrors(r.Results)).ToList();
        var others = candidateRoundings.Select(r => LastEpochErrors(r.Results)).ToList();
        if (current is null || earlier.Concat(others).Any(e => e is null))
            return $"Verdict: **incomplete**: {(current is null ? "this run" : "an earlier results file")} has label sets short of epoch {results.Epochs}. {against}";
        if (earlier.Concat(others).FirstOrDefault(e => !e!.Keys.ToHashSet().SetEquals(current.Keys)) is { } otherSets)
            return $"Verdict: **not comparable**: the label sets differ (this run: {string.Join(", ", current.Keys)}; another: {string.Join(", ", otherSets.Keys)}). {against}";
        return (earlier.Count == 1 ? AgainstOneRounding(results.Epochs, current, earlier[0]!) : AgainstRoundings(results.Epochs, [current, .. others.Select(o => o!)], earlier!)) + " " + against;
    }

    /// <summary>The rule against a single reference file: its mean plus its standard deviation, and its worst.</summary>
    private static string AgainstOneRounding(int epoch, Dictionary<string, double> current, Dictionary<string, double> reference)
    {
        var now = SeedRuns.Spread(current.Values);
        var then = SeedRuns.Spread(reference.Values);
        bool meanHolds = now.Mean <= then.Mean + then.StandardDeviation;
        bool worstHolds = now.Worst <= then.Worst;
        return I($"Verdict: **{(meanHolds && worstHolds ? "no worse" : "worse")}** at epoch {epoch}, against one rounding of the reference: mean {now.Mean:F2}% {(meanHolds ? "≤" : ">")} ")
            + I($"reference mean {then.Mean:F2}% + standard deviation {then.StandardDeviation:F2}%; worst {now.Worst:F2}% {(worstHolds ? "≤" : ">")} reference worst {then.Worst:F2}% ")
            + I($"(this run: standard deviation {now.StandardDeviation:F2}%, best {now.Best:F2}%; reference best {then.Best:F2}%).");
    }

    /// <summary>
    /// The rule against several roundings of the reference recipe (see the class summary), for a candidate under one or
    /// more roundings (<paramref name="candidate"/>, this run's first).
    /// </summary>
    private static string AgainstRoundings(int epoch, List<Dictionary<string, double>> candidate, List<Dictionary<string, double>> roundings)
    {
        int n = candidate[0].Count, k = roundings.Count, m = candidate.Count;
        var current = candidate[0].Keys.ToDictionary(set => set, set => candidate.Average(r => r[set]));
        var referenceMean = current.Keys.ToDictionary(set => set, set => roundings.Average(r => r[set]));
        double noise = Math.Sqrt(current.Keys.Sum(set => roundings.Sum(r => Math.Pow(r[set] - referenceMean[set], 2))) / (n * (k - 1)));
        double meanLimit = referenceMean.Values.Average() + MeanSigmas * noise * Math.Sqrt(1.0 / (n * m) + 1.0 / (n * k));
        double setMargin = LabelSetSigmas * noise * Math.Sqrt(1.0 / m + 1.0 / k);
        double mean = current.Values.Average();
        var beyond = current.Where(c => c.Value > referenceMean[c.Key] + setMargin).Select(c => I($"{c.Key} {c.Value:F2}% > {referenceMean[c.Key] + setMargin:F2}%")).ToList();
        bool noWorse = mean <= meanLimit && beyond.Count == 0;
        string under = m == 1 ? "" : I($", this candidate's mean over its {m} roundings");
        return I($"Verdict: **{(noWorse ? "no worse" : "worse")}** at epoch {epoch}, against {k} roundings of the reference (rounding noise {noise:F3} points per run, pooled over {n} label sets){under}: ")
            + I($"mean {mean:F2}% {(mean <= meanLimit ? "≤" : ">")} limit {meanLimit:F2}% (the roundings' mean {referenceMean.Values.Average():F2}% + {MeanSigmas:F0} standard errors); ")
            + (beyond.Count == 0
                ? I($"every label set within {setMargin:F2} points ({LabelSetSigmas:F0} standard deviations) of its roundings' mean.")
                : I($"beyond {setMargin:F2} points ({LabelSetSigmas:F0} standard deviations) of its roundings' mean: {string.Join("; ", beyond)}."))
            + I($" Per label set, {(m == 1 ? "this run" : "this candidate's roundings")} / the reference's roundings: {string.Join("; ", current.Keys.Select(set => $"{set} {Errors(candidate, set)} / {Errors(roundings, set)}"))}.");
    }

    /// <summary>One label set's errors in each of <paramref name="roundings"/>, comma-separated.</summary>
    private static string Errors(List<Dictionary<string, double>> roundings, string set) =>
        string.Join(", ", roundings.Select(r => r[set].ToString("F2", CultureInfo.InvariantCulture)));

    /// <summary>The label sets' errors at the last epoch by run name, or null when one has not reached it.</summary>
    private static Dictionary<string, double>? LastEpochErrors(SeedsResults results)
    {
        var runs = results.Runs.Where(r => r.Summarized).ToList();
        return runs.Count > 0 && runs.All(r => r.Epochs.Length >= results.Epochs) ? runs.ToDictionary(r => r.Name, r => r.Epochs[results.Epochs - 1].TestError) : null;
    }

    private static string Rows(SeedsResults results) => results.TrainingRows?.ToString(CultureInfo.InvariantCulture) ?? "all";

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
