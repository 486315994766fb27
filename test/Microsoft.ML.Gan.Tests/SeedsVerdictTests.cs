using Microsoft.ML.Gan.Benchmarks;

namespace Microsoft.ML.Gan.Tests;

/// <summary>The seed protocol's verdict against one rounding of the reference recipe, and against several, for a candidate under one rounding or several.</summary>
[TestClass]
public sealed class SeedsVerdictTests
{
    private static readonly string[] LabelSets = ["paper-labels", "seed-1", "seed-2", "seed-3", "seed-4", "seed-5"];

    // Two roundings of one recipe: the pooled rounding noise is 0.0484 points, so the mean's limit is
    // 1.2992 + 2 * 0.0484 * sqrt(1/6 + 1/12) = 1.3476% and a label set may exceed its roundings' mean by 3 * 0.0484 * sqrt(1.5) = 0.178 points.
    private static readonly double[] OneThread = [1.33, 1.29, 1.37, 1.18, 1.27, 1.36];
    private static readonly double[] TwoThreads = [1.40, 1.22, 1.30, 1.25, 1.33, 1.29];

    [TestMethod]
    public void AThirdRoundingIsNoWorse()
    {
        string verdict = Verdict([1.36, 1.25, 1.34, 1.22, 1.30, 1.33], OneThread, TwoThreads);

        StringAssert.StartsWith(verdict, "Verdict: **no worse** at epoch 2, against 2 roundings", verdict);
        StringAssert.Contains(verdict, "rounding noise 0.048 points", verdict);
        StringAssert.Contains(verdict, "mean 1.30% ≤ limit 1.35%", verdict);
    }

    [TestMethod]
    public void OneStalledLabelSetIsWorseAndNamed()
    {
        string verdict = Verdict([1.36, 2.30, 1.34, 1.22, 1.30, 1.33], OneThread, TwoThreads);

        StringAssert.StartsWith(verdict, "Verdict: **worse**", verdict);
        StringAssert.Contains(verdict, "seed-1 2.30% > 1.43%", verdict);
        Assert.IsFalse(verdict.Contains("paper-labels 1.36% >", StringComparison.Ordinal), verdict);
    }

    [TestMethod]
    public void EveryLabelSetATenthWorseFailsOnTheMean()
    {
        string verdict = Verdict([.. OneThread.Zip(TwoThreads, (a, b) => (a + b) / 2 + 0.1)], OneThread, TwoThreads);

        StringAssert.StartsWith(verdict, "Verdict: **worse**", verdict);
        StringAssert.Contains(verdict, "mean 1.40% > limit 1.35%", verdict);
        StringAssert.Contains(verdict, "every label set within 0.18 points", verdict);
    }

    // The three roundings of the bfloat16 defaults (docs/benchmarks): rounding noise 0.277 points, the roundings' mean
    // 1.362%, seed-5's 1.370%. One candidate rounding: limits 1.623% and 0.959 points; two: 1.569% and 0.758 points.
    private static readonly double[][] ThreeRoundings = [[1.33, 1.29, 1.37, 1.18, 1.27, 1.36], [1.27, 2.30, 1.12, 1.32, 1.26, 1.34], [1.20, 1.21, 1.68, 1.28, 1.33, 1.41]];
    private static readonly double[] StalledOnSeed5 = [1.41, 1.28, 1.37, 1.23, 1.35, 2.79];

    [TestMethod]
    public void AStallUnderTheCandidatesOnlyRoundingIsWorse()
    {
        string verdict = Verdict(StalledOnSeed5, ThreeRoundings);

        StringAssert.StartsWith(verdict, "Verdict: **worse** at epoch 2, against 3 roundings", verdict);
        StringAssert.Contains(verdict, "seed-5 2.79% > 2.33%", verdict);
    }

    [TestMethod]
    public void AStallUnderOneOfTheCandidatesTwoRoundingsIsDiluted()
    {
        string verdict = VerdictOfRoundings([[1.30, 1.25, 1.35, 1.25, 1.30, 1.35], StalledOnSeed5], ThreeRoundings);

        StringAssert.StartsWith(verdict, "Verdict: **no worse** at epoch 2, against 3 roundings of the reference (rounding noise 0.277 points per run, pooled over 6 label sets), this candidate's mean over its 2 roundings", verdict);
        StringAssert.Contains(verdict, "mean 1.44% ≤ limit 1.57%", verdict);
        StringAssert.Contains(verdict, "every label set within 0.76 points", verdict);
        StringAssert.Contains(verdict, "seed-5 1.35, 2.79 / 1.36, 1.34, 1.41", verdict);
        StringAssert.Contains(verdict, "This candidate under another rounding: rounding-candidate-2.json", verdict);
    }

    [TestMethod]
    public void AStallUnderBothOfTheCandidatesRoundingsIsWorse()
    {
        string verdict = VerdictOfRoundings([[1.30, 1.25, 1.35, 1.25, 1.30, 2.60], StalledOnSeed5], ThreeRoundings);

        StringAssert.StartsWith(verdict, "Verdict: **worse**", verdict);
        StringAssert.Contains(verdict, "seed-5 2.70% > 2.13%", verdict);
    }

    [TestMethod]
    public void TheCandidatesRoundingsNeedSeveralReferenceRoundings()
    {
        string verdict = VerdictOfRoundings([OneThread, TwoThreads], [OneThread]);

        StringAssert.StartsWith(verdict, "Verdict: **not comparable**: a candidate under several roundings", verdict);
    }

    [TestMethod]
    public void OneReferenceKeepsTheSingleRoundingRule()
    {
        string verdict = Verdict([1.23, 1.23, 1.51, 1.36, 1.27, 1.65], OneThread);

        StringAssert.StartsWith(verdict, "Verdict: **worse** at epoch 2, against one rounding of the reference", verdict);
        StringAssert.Contains(verdict, "worst 1.65% > reference worst 1.37%", verdict);
    }

    [TestMethod]
    public void OtherLabelSetsAreNotComparable()
    {
        var candidate = Results("candidate", [1.3, 1.3], ["paper-labels", "seed-7"]);
        string verdict = SeedsVerdict.Of(candidate, [("one.json", Results("one", [1.3, 1.3], ["paper-labels", "seed-1"])), ("two.json", Results("two", [1.3, 1.3], ["paper-labels", "seed-1"]))]);

        StringAssert.StartsWith(verdict, "Verdict: **not comparable**: the label sets differ", verdict);
    }

    [TestMethod]
    public void AReferenceOfOtherEpochsIsNotComparable()
    {
        var unfinished = Results("two", TwoThreads, LabelSets) with { Epochs = 3 };
        string verdict = SeedsVerdict.Of(Results("candidate", OneThread, LabelSets), [("one.json", Results("one", OneThread, LabelSets)), ("two.json", unfinished)]);

        StringAssert.StartsWith(verdict, "Verdict: **not comparable**: the reference two.json has 3 epochs", verdict);
    }

    private static string Verdict(double[] candidate, params double[][] roundings) =>
        SeedsVerdict.Of(Results("candidate", candidate, LabelSets), Files("rounding", roundings));

    /// <summary>The verdict on a candidate trained under several roundings, the first this run's.</summary>
    private static string VerdictOfRoundings(double[][] candidate, double[][] roundings) =>
        SeedsVerdict.Of(Results("candidate", candidate[0], LabelSets), Files("rounding", roundings), Files("rounding-candidate", candidate[1..], first: 2));

    private static (string Path, SeedsResults Results)[] Files(string name, double[][] errors, int first = 1) =>
        [.. errors.Select((e, i) => ($"{name}-{i + first}.json", Results($"{name}-{i + first}", e, LabelSets)))];

    /// <summary>Results of a 2-epoch protocol whose label sets end at <paramref name="errors"/>.</summary>
    private static SeedsResults Results(string protocol, double[] errors, string[] names) =>
        new(protocol, $"seeds 2 name={protocol}", new DateTime(2026, 12, 6, 0, 0, 0, DateTimeKind.Utc), 2, null, [], 2, "test", "test", "0000000", 2, [],
            [.. errors.Zip(names, (error, name) => new SeedsRun(name, name, null, 1, 1, true, [], [Epoch(1, error + 5), Epoch(2, error)], null))]);

    private static SeedEpoch Epoch(int epoch, double error) => new(epoch, error, 10, 0.4, 0.3, 100, 10 * epoch, new DateTime(2026, 12, 6, 0, 0, 0, DateTimeKind.Utc), null);
}
