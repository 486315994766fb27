using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>A matrix-multiply rate measured in the benchmark's process (GFLOP/s), kept in the protocol folder's matmul.csv over all sittings.</summary>
internal sealed record SeedsMatmul(DateTime Utc, string When, int Threads, string Shape, double Gflops)
{
    private const string FileName = "matmul.csv";

    /// <summary>Adds a measurement to the protocol's matmul.csv.</summary>
    public static void Append(SeedProtocol protocol, SeedsMatmul measurement) =>
        File.AppendAllText(Path.Combine(protocol.Directory, FileName), string.Create(CultureInfo.InvariantCulture,
            $"{measurement.Utc:yyyy-MM-ddTHH:mm:ssZ},{measurement.When},{measurement.Threads},{measurement.Shape},{measurement.Gflops:R}\n"));

    /// <summary>Every measurement of the protocol, oldest first.</summary>
    public static SeedsMatmul[] ReadAll(SeedProtocol protocol)
    {
        string path = Path.Combine(protocol.Directory, FileName);
        return File.Exists(path)
            ? File.ReadLines(path).Select(line => line.Split(',')).Select(c => new SeedsMatmul(
                DateTime.ParseExact(c[0], "yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
                c[1], int.Parse(c[2], CultureInfo.InvariantCulture), c[3], double.Parse(c[4], CultureInfo.InvariantCulture))).ToArray()
            : [];
    }
}

/// <summary>One run of the protocol in the results file: its definition, its epochs so far and, once finished, its final model's confusions (null before, and in results files of older builds).</summary>
internal sealed record SeedsRun(string Name, string Labels, int? LabelSeed, int WeightSeed, int Threads, bool Summarized, string[] Sittings, SeedEpoch[] Epochs,
    SeedConfusion[]? Confusions);

/// <summary>The machine-readable results of the seed protocol: docs/benchmarks/seeds-&lt;name&gt;.json.</summary>
internal sealed record SeedsResults(string Protocol, string Command, DateTime WrittenUtc, int Epochs, int? TrainingRows, string[] Overrides,
    int Cores, string Processor, string OperatingSystem, string Commit, int SharedThreads, SeedsMatmul[] Matmul, SeedsRun[] Runs);

/// <summary>
/// The seed protocol's table: test error per epoch of every run; mean, sample standard deviation, best and worst of
/// the six label sets at epochs 10, 20, 30 and the last; the wall time until each run first reaches 2.0% and 1.5%;
/// seconds per epoch; collapse (the error rising more than 2 points above its lowest since epoch 10); and the verdict
/// against one or more reference results files (<see cref="SeedsVerdict"/>).
/// </summary>
internal static class SeedsReport
{
    /// <summary>Rise of the test error (percentage points) above its lowest since epoch <see cref="CollapseFromEpoch"/> that counts as a collapse.</summary>
    public const double CollapseRise = 2.0;

    /// <summary>The epoch from which a rise counts as a collapse.</summary>
    public const int CollapseFromEpoch = 10;

    /// <summary>The test errors (%) whose first reaching is timed.</summary>
    private static readonly double[] Thresholds = [2.0, 1.5];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The repository's commit ("abc1234", "+ local changes" when tracked files outside docs/benchmarks differ), or "unknown".</summary>
    public static string Commit { get; } = ReadCommit();

    /// <summary>
    /// Reads every run's folder into the results of the protocol. A run with no epochs in its folder (finished on
    /// another machine; only the repository travels) is taken from <paramref name="earlier"/>, the protocol's own results
    /// file as last written, when that file was written with the same epochs, rows and options; so are its matrix
    /// multiplies.
    /// </summary>
    public static SeedsResults Collect(SeedProtocol protocol, SeedsResults? earlier)
    {
        bool sameProtocol = earlier is not null && earlier.Epochs == protocol.Epochs && earlier.TrainingRows == protocol.Rows
            && earlier.Overrides.SequenceEqual(protocol.Overrides);
        var earlierRuns = sameProtocol ? earlier!.Runs.Where(r => r.Epochs.Length > 0).ToDictionary(r => r.Name) : [];
        var local = protocol.ReportedRuns;
        var runs = protocol.ProtocolRuns.Where(run => local.Contains(run) || earlierRuns.ContainsKey(run.Name)).Select(run =>
        {
            string directory = protocol.RunDirectory(run);
            var epochs = SeedEpoch.ReadCsv(Path.Combine(directory, SeedRunner.ResultsFile));
            if (epochs.Count == 0 && earlierRuns.TryGetValue(run.Name, out var kept))
                return kept;
            string sittings = Path.Combine(directory, "sittings.txt");
            return new SeedsRun(run.Name, run.Labels, run.LabelSeed, run.WeightSeed, run.Threads, run.Summarized,
                File.Exists(sittings) ? File.ReadAllLines(sittings) : [],
                [.. epochs], SeedConfusion.ReadCsv(Path.Combine(directory, SeedConfusion.FileName)));
        }).ToArray();
        var matmul = SeedsMatmul.ReadAll(protocol);
        if (sameProtocol)
            matmul = [.. earlier!.Matmul.Where(m => !matmul.Contains(m)), .. matmul];
        return new SeedsResults(protocol.Name, protocol.Command, DateTime.UtcNow, protocol.Epochs, protocol.Rows, protocol.Overrides,
            Environment.ProcessorCount, Processor(), RuntimeInformation.OSDescription, Commit, SeedProtocol.SharedThreads, matmul, runs);
    }

    /// <summary>Reads a results file written by <see cref="Write"/>; a missing or malformed file throws, naming it.</summary>
    public static SeedsResults ReadResults(string path)
    {
        string full = Path.IsPathRooted(path) ? path : Path.Combine(Repository.Root, path);
        if (!File.Exists(full))
            throw new FileNotFoundException($"Reference results '{full}' do not exist.", full);
        try
        {
            return JsonSerializer.Deserialize<SeedsResults>(File.ReadAllText(full), Json) ?? throw new InvalidDataException($"Reference results '{full}' are empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Reference results '{full}' are not a seed-protocol results file: {e.Message}", e);
        }
    }

    /// <summary>Writes seeds-&lt;name&gt;.md and seeds-&lt;name&gt;.json into <paramref name="outputDirectory"/>; returns the Markdown.</summary>
    public static string Write(SeedsResults results, IReadOnlyList<(string Path, SeedsResults Results)> references,
        IReadOnlyList<(string Path, SeedsResults Results)> candidateRoundings, string outputDirectory)
    {
        var text = new StringBuilder();
        text.AppendLine($"# Seed protocol '{results.Protocol}': MNIST, 100 labels, {results.Runs.Count(r => r.Summarized)} label set(s)");
        text.AppendLine();
        text.AppendLine($"Command: `{results.Command}`  ");
        text.AppendLine($"Written {results.WrittenUtc:yyyy-MM-dd HH:mm} UTC at commit {results.Commit}. Machine: {results.Cores} cores ({results.Processor}), {results.OperatingSystem}.  ");
        text.AppendLine(results.Matmul.Length == 0
            ? "Matrix multiply: not measured (no sitting of this protocol trained a run with this version of the benchmark)."
            : $"Matrix multiply {results.Matmul[0].Shape} in the benchmark's process, before and after the runs of each sitting (GFLOP/s): "
                + string.Join("; ", results.Matmul.Select(m => I($"{m.Utc:yyyy-MM-dd HH:mm} UTC {m.When}, {m.Threads} thread(s): {m.Gflops:F1}"))) + ".");
        text.AppendLine();
        text.AppendLine($"Data: MNIST, {(results.TrainingRows is int rows ? $"the first {rows:N0} training images" : "all 60,000 training images")} unlabeled, "
            + $"{SeedProtocol.LabelsPerClass} labels per class; test error of the averaged model on the 10,000 test images after each epoch. "
            + $"Options: the defaults{(results.Overrides.Length > 0 ? " and " + string.Join(", ", results.Overrides) : "")}, {results.Epochs} epochs; "
            + "weight seed = label seed (1 for the paper's labels).  ");
        var options = new SemiSupervisedGanTrainer.Options();
        OptionOverrides.Apply(options, results.Overrides);
        if (options.EnsembleSize > 1)
            text.AppendLine($"Ensemble: each run trains {options.EnsembleSize} members one after another (weight seeds seed, seed + 1, ...); its epochs below are "
                + "the last member's, each scored as the ensemble of the finished members and that member's averaged model, so the last epoch is the "
                + "final model's; seconds per epoch are the last member's, wall time covers every member.  ");
        text.AppendLine($"Threads: each run is a child process; runs start in order while their torch threads fit in {results.SharedThreads}, so the "
            + "one-thread runs go two at a time and two-thread runs alone (each run's sittings below say what ran alongside). Seconds per epoch "
            + "of a one-thread run therefore include sharing the machine with another run; \"other processes\" is the mean number of cores that "
            + "processes other than the run's own kept busy during its epochs (from /proc/stat; blank where not measured). Wall time is the run's own, summed over its sittings "
            + "from the start of Fit (the data's conversion, set-up or checkpoint loading, training, validation, checkpoints), not the time between sittings; "
            + "an interrupted sitting's unfinished epoch is not counted.");
        text.AppendLine();

        var summarized = results.Runs.Where(r => r.Summarized).ToList();
        text.AppendLine($"## The {summarized.Count} label sets ({string.Join(", ", summarized.Select(r => r.Name))}), test error (%)");
        text.AppendLine();
        text.AppendLine("| epoch | runs | mean | standard deviation | best | worst |");
        text.AppendLine("|---:|---:|---:|---:|---:|---:|");
        foreach (int epoch in SeedProtocol.SummaryEpochs.Where(e => e < results.Epochs).Append(results.Epochs))
        {
            var errors = summarized.Where(r => r.Epochs.Length >= epoch).Select(r => r.Epochs[epoch - 1].TestError).ToList();
            if (errors.Count == 0)
            {
                text.AppendLine($"| {epoch} | 0 | | | | |");
                continue;
            }
            var (mean, std, best, worst) = SeedRuns.Spread(errors);
            text.AppendLine(I($"| {epoch} | {errors.Count} | {mean:F2} | {std:F2} | {best:F2} | {worst:F2} |"));
        }
        text.AppendLine();

        text.AppendLine("## Runs");
        text.AppendLine();
        text.AppendLine($"| run | labels | weight seed | threads | epochs | last error (%) | lowest (%) at epoch | first ≤ 2.0%: epoch, wall minutes | first ≤ 1.5%: epoch, wall minutes "
            + $"| seconds per epoch | other processes (busy cores) | wall minutes | largest rise after epoch {CollapseFromEpoch} (points) | collapsed | largest confusions of the final model (test images) |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|");
        foreach (var run in results.Runs)
        {
            if (run.Epochs.Length == 0)
            {
                text.AppendLine($"| {run.Name} | {run.Labels} | {run.WeightSeed} | {run.Threads} | 0 of {results.Epochs} | | | | | | | | | | |");
                continue;
            }
            var lowest = run.Epochs.MinBy(e => e.TestError)!;
            var reached = Thresholds.Select(t => run.Epochs.FirstOrDefault(e => e.TestError <= t) is SeedEpoch e ? I($"{e.Epoch}, {e.WallSeconds / 60:F1}") : "not reached");
            double? rise = LargestRise(run);
            text.AppendLine(I($"| {run.Name} | {run.Labels} | {run.WeightSeed} | {run.Threads} | {run.Epochs.Length}{(run.Epochs.Length < results.Epochs ? $" of {results.Epochs}" : "")} ")
                + I($"| {run.Epochs[^1].TestError:F2} | {lowest.TestError:F2} at {lowest.Epoch} | {string.Join(" | ", reached)} | {run.Epochs.Average(e => e.EpochSeconds):F1} ")
                + I($"| {OtherBusyCores(run)} | {run.Epochs[^1].WallSeconds / 60:F1} | {(rise is double r ? r.ToString("F2", CultureInfo.InvariantCulture) : "")} | {(rise > CollapseRise ? "**yes**" : rise is null ? "" : "no")} | {SeedConfusion.Largest(run.Confusions, 3)} |"));
        }
        var collapsed = results.Runs.Where(r => LargestRise(r) > CollapseRise).Select(r => r.Name).ToList();
        text.AppendLine();
        text.AppendLine(collapsed.Count == 0
            ? $"No run collapsed (an error rising more than {CollapseRise:F0} points above its lowest since epoch {CollapseFromEpoch})."
            : $"**Collapsed** (error rising more than {CollapseRise:F0} points above its lowest since epoch {CollapseFromEpoch}): {string.Join(", ", collapsed)}.");
        text.AppendLine();
        text.AppendLine("Largest confusions: the final model's largest off-diagonal cells of the confusion matrix on the test images; "
            + "\"7 as 2: 95\" means 95 test images of class 7 predicted as 2 (written when a run finishes).");
        text.AppendLine();

        if (references.Count > 0)
        {
            text.AppendLine("## Against the reference");
            text.AppendLine();
            text.AppendLine(SeedsVerdict.Of(results, references, candidateRoundings));
            text.AppendLine();
        }

        text.AppendLine(results.Epochs <= SeedProtocol.EveryEpochUpTo ? "## Test error per epoch (%)" : "## Test error every 10 epochs (%)");
        text.AppendLine();
        text.AppendLine($"| epoch | {string.Join(" | ", results.Runs.Select(r => r.Name))} |");
        text.AppendLine($"|---:|{string.Concat(results.Runs.Select(_ => "---:|"))}");
        int recorded = results.Runs.Max(r => r.Epochs.Length);
        foreach (int epoch in Enumerable.Range(1, recorded).Where(e => results.Epochs <= SeedProtocol.EveryEpochUpTo || e % 10 == 0 || e == 1 || e == recorded))
            text.AppendLine($"| {epoch} | {string.Join(" | ", results.Runs.Select(r => r.Epochs.Length >= epoch ? I($"{r.Epochs[epoch - 1].TestError:F2}") : ""))} |");
        text.AppendLine();

        text.AppendLine("## Sittings");
        text.AppendLine();
        foreach (var run in results.Runs)
            text.AppendLine($"- {run.Name}: {(run.Sittings.Length == 0 ? "none recorded" : string.Join("; ", run.Sittings))}");
        text.AppendLine();
        text.AppendLine($"Per-epoch losses, seconds and wall times of every run: seeds-{results.Protocol}.json.");

        string markdown = text.ToString();
        File.WriteAllText(Path.Combine(outputDirectory, $"seeds-{results.Protocol}.md"), markdown);
        File.WriteAllText(Path.Combine(outputDirectory, $"seeds-{results.Protocol}.json"), JsonSerializer.Serialize(results, Json));
        return markdown + $"\nWrote {Path.Combine(outputDirectory, $"seeds-{results.Protocol}.md")} and .json\n";
    }

    /// <summary>The mean of the run's measured <see cref="SeedEpoch.OtherBusyCores"/> ("0.95"), or "" when none was measured.</summary>
    private static string OtherBusyCores(SeedsRun run)
    {
        var measured = run.Epochs.Where(e => e.OtherBusyCores is not null).Select(e => e.OtherBusyCores!.Value).ToList();
        return measured.Count == 0 ? "" : I($"{measured.Average():F2}");
    }

    /// <summary>The largest rise (points) of the error above its lowest from epoch 10 on; null before epoch 11.</summary>
    public static double? LargestRise(SeedsRun run)
    {
        if (run.Epochs.Length <= CollapseFromEpoch)
            return null;
        double lowest = run.Epochs[CollapseFromEpoch - 1].TestError, rise = 0;
        foreach (var epoch in run.Epochs.Skip(CollapseFromEpoch))
        {
            rise = Math.Max(rise, epoch.TestError - lowest);
            lowest = Math.Min(lowest, epoch.TestError);
        }
        return rise;
    }

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string Processor()
    {
        const string path = "/proc/cpuinfo";
        string? line = File.Exists(path) ? File.ReadLines(path).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) : null;
        return line is null ? RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':') + 1)..].Trim();
    }

    private static string ReadCommit()
    {
        try
        {
            string head = Git("rev-parse --short HEAD");
            return head.Length == 0 ? "unknown" : head + (Git("status --porcelain --untracked-files=no -- . :(exclude)docs/benchmarks").Length > 0 ? " + local changes" : "");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }

    private static string Git(string arguments)
    {
        var start = new ProcessStartInfo("git", arguments) { WorkingDirectory = Repository.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        using var git = Process.Start(start)!;
        string output = git.StandardOutput.ReadToEnd().Trim();
        git.WaitForExit();
        return git.ExitCode == 0 ? output : "";
    }
}
