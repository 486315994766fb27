using System.Globalization;
using System.Reflection;
using Microsoft.ML.Data;
using Microsoft.ML.Gan.IO;

namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>
/// One training run of the seed protocol: which 100 labels (the paper's, or <c>KeepLabelsPerClass</c> with
/// <see cref="LabelSeed"/>), the weight seed and the torch threads. <see cref="Summarized"/> runs (one per label set, one
/// thread each) make the protocol's mean, standard deviation, best and worst; the others check the effect of the thread count.
/// </summary>
internal sealed record SeedProtocolRun(string Name, int? LabelSeed, int WeightSeed, int Threads, bool Summarized)
{
    /// <summary>The labels in words, for reports.</summary>
    public string Labels => LabelSeed is int seed ? $"KeepLabelsPerClass seed {seed}" : "the paper's (KeepLabelsPerClassAsOfficialCode, NumPy seed 1)";
}

/// <summary>
/// The seed protocol (issue 16): MNIST with 10 labels per class and every training image unlabeled, on six label sets,
/// with the default options plus "Option=value" overrides. The runs and how they share the machine are defined here
/// only. Settings come from the command line: the number of epochs, then any of "rows=N" (train on the first N training
/// images only, for development), "name=text" (the protocol's name, default from the epochs, rows and overrides),
/// "reference=path" (a results file of an earlier run of the protocol to compare with), "threads=N" or "rounding=inputs"
/// (another rounding of the recipe), "candidate-roundings=path" (the candidate under other roundings) and trainer options.
/// </summary>
internal sealed class SeedProtocol
{
    /// <summary>
    /// The runs, in the order they start. The weight seed is the label seed (1 for the paper's labels), so "seed-1" and
    /// "paper-labels" share their initial weights and differ in their labels only.
    /// </summary>
    public static readonly SeedProtocolRun[] Runs =
    [
        new("paper-labels", null, 1, 1, true),
        new("seed-1", 1, 1, 1, true),
        new("seed-2", 2, 2, 1, true),
        new("seed-3", 3, 3, 1, true),
        new("seed-4", 4, 4, 1, true),
        new("seed-5", 5, 5, 1, true),
        new("paper-labels-2-threads", null, 1, 2, false),
    ];

    /// <summary>
    /// Torch threads the runs share: runs start in order while their threads fit, so the six one-thread runs go two at a
    /// time and the two-thread run alone. Each run is a child process, as libtorch's thread count is per process.
    /// </summary>
    public const int SharedThreads = 2;

    /// <summary>Labels kept per class (100 labels in all).</summary>
    public const int LabelsPerClass = 10;

    /// <summary>The epochs before the last at which the summary reports mean, spread, best and worst (it reports the last epoch too).</summary>
    public static readonly int[] SummaryEpochs = [10, 20, 30, 45, 100, 200];

    /// <summary>Runs longer than this many epochs list their test error every 10th epoch instead of every epoch.</summary>
    public const int EveryEpochUpTo = 60;

    /// <summary>Trainer options that are not part of a run's definition (where it writes, how it reports, where it resumes).</summary>
    private static readonly string[] PlumbingOptions =
        [nameof(SemiSupervisedGanTrainer.Options.Progress), nameof(SemiSupervisedGanTrainer.Options.CheckpointDirectory), nameof(SemiSupervisedGanTrainer.Options.ResumeFromCheckpoint)];

    private SeedProtocol(int epochs, int? rows, string name, string[] references, string[] candidateRoundings, bool roundedInputs, SeedProtocolRun[] protocolRuns,
        SeedProtocolRun[] selectedRuns, bool reportOnly, string[] overrides, string[] arguments)
    {
        Epochs = epochs;
        CandidateRoundings = candidateRoundings;
        RoundedInputs = roundedInputs;
        ProtocolRuns = protocolRuns;
        ReportOnly = reportOnly;
        SelectedRuns = selectedRuns;
        Rows = rows;
        Name = name;
        References = references;
        Overrides = overrides;
        Arguments = arguments;
    }

    /// <summary>Epochs of every run.</summary>
    public int Epochs { get; }

    /// <summary>Training images used (the first N of the 60,000), null for all.</summary>
    public int? Rows { get; }

    /// <summary>The protocol's name: its folder under artifacts/seeds/ and its report docs/benchmarks/seeds-&lt;name&gt;.md.</summary>
    public string Name { get; }

    /// <summary>
    /// Results files of earlier runs of the protocol to compare with, none when empty. Several files are one recipe trained
    /// under several roundings (for example "threads=2" beside the one-thread runs): their differences per label set measure
    /// what rounding alone does (<see cref="SeedsVerdict"/>).
    /// </summary>
    public string[] References { get; }

    /// <summary>
    /// Results files of this protocol's recipe under other roundings (for example "rounding=inputs"), none when empty: the
    /// verdict against several roundings of the reference then takes the candidate's mean over all its roundings.
    /// </summary>
    public string[] CandidateRoundings { get; }

    /// <summary>
    /// "rounding=inputs": the training images' pixels scaled as byte * (1 / 255) instead of byte / 255, one unit in the
    /// last place apart for 126 of the 256 byte values. It is another rounding of the same recipe for a build whose runs do
    /// not depend on the thread count, which "threads=N" cannot round differently.
    /// </summary>
    public bool RoundedInputs { get; }

    /// <summary>
    /// The runs of this protocol: <see cref="Runs"/>, or with "threads=N" or "rounding=inputs" the summarized ones with N
    /// torch threads each or rounded inputs (the same recipe and label sets under another rounding; the thread-count check
    /// run is then left out, as it would repeat one).
    /// </summary>
    public SeedProtocolRun[] ProtocolRuns { get; }

    /// <summary>"report-only": write the report of the epochs done so far without training or resuming anything.</summary>
    public bool ReportOnly { get; }

    /// <summary>The runs this invocation trains: all of <see cref="ProtocolRuns"/>, or those named by "runs=a,b".</summary>
    public SeedProtocolRun[] SelectedRuns { get; }

    /// <summary>
    /// The runs the report covers: the selected ones and every other run of <see cref="ProtocolRuns"/> with at least one epoch in
    /// this protocol's folder, so that training a subset ("runs=a,b") does not drop the other runs from the report.
    /// </summary>
    public SeedProtocolRun[] ReportedRuns => [.. ProtocolRuns.Where(run => SelectedRuns.Contains(run) || SeedEpoch.ReadCsv(Path.Combine(RunDirectory(run), SeedRunner.ResultsFile)).Count > 0)];

    /// <summary>The "Option=value" trainer options applied on top of the defaults.</summary>
    public string[] Overrides { get; }

    /// <summary>The command-line arguments after "seeds", as given; the child processes receive them too.</summary>
    public string[] Arguments { get; }

    /// <summary>The command that runs (or resumes) this protocol.</summary>
    public string Command => $"dotnet run -c Release --project test/Microsoft.ML.Gan.Benchmarks -- seeds {string.Join(" ", Arguments)}";

    /// <summary>Where the runs keep their checkpoints and results: artifacts/seeds/&lt;name&gt;.</summary>
    public string Directory => Path.Combine(Repository.Root, "artifacts", "seeds", Name);

    /// <summary>
    /// Parses the arguments after "seeds": [epochs (45)] [rows=N] [name=text] [reference=path[,path...]] [threads=N]
    /// [rounding=inputs] [candidate-roundings=path[,path...]] [runs=a,b] [report-only] [Option=value ...].
    /// </summary>
    public static SeedProtocol Parse(string[] arguments)
    {
        int epochs = 45;
        int? rows = null, threads = null;
        string? name = null, runNames = null;
        string[] references = [], candidateRoundings = [];
        bool reportOnly = false, roundedInputs = false;
        var overrides = new List<string>();
        for (int i = 0; i < arguments.Length; i++)
        {
            string argument = arguments[i];
            if (i == 0 && int.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out int parsed))
                epochs = parsed > 0 ? parsed : throw new ArgumentException($"The number of epochs must be positive, not {argument}.");
            else if (argument.StartsWith("rows=", StringComparison.Ordinal))
                rows = int.TryParse(argument[5..], NumberStyles.None, CultureInfo.InvariantCulture, out int r) && r >= 1000
                    ? r : throw new ArgumentException($"'{argument}': rows must be a whole number of at least 1000 (enough images for 10 labels of each digit).");
            else if (argument.StartsWith("name=", StringComparison.Ordinal))
                name = argument[5..].Length > 0 && argument[5..].IndexOfAny([.. Path.GetInvalidFileNameChars(), ' ']) < 0
                    ? argument[5..] : throw new ArgumentException($"'{argument}': the name must be a non-empty file name without spaces.");
            else if (argument.StartsWith("reference=", StringComparison.Ordinal))
                references = argument[10..].Split(',');
            else if (argument.StartsWith("threads=", StringComparison.Ordinal))
                threads = int.TryParse(argument[8..], NumberStyles.None, CultureInfo.InvariantCulture, out int t) && t >= 1 && t <= SharedThreads
                    ? t : throw new ArgumentException($"'{argument}': threads must be a whole number from 1 to {SharedThreads}, the threads the runs share.");
            else if (argument.StartsWith("candidate-roundings=", StringComparison.Ordinal))
                candidateRoundings = argument[20..].Split(',');
            else if (argument.StartsWith("rounding=", StringComparison.Ordinal))
                roundedInputs = argument == "rounding=inputs" ? true : throw new ArgumentException($"'{argument}': the one other rounding is rounding=inputs.");
            else if (argument == "report-only")
                reportOnly = true;
            else if (argument.StartsWith("runs=", StringComparison.Ordinal))
                runNames = argument[5..];
            else
                overrides.Add(argument);
        }
        OptionOverrides.Apply(new SemiSupervisedGanTrainer.Options(), overrides);
        if (overrides.FirstOrDefault(o => PlumbingOptions.Contains(o.Split('=')[0]) || o.StartsWith(nameof(SemiSupervisedGanTrainer.Options.NumberOfThreads) + "=", StringComparison.Ordinal)) is string fixedOption)
            throw new ArgumentException($"'{fixedOption}': the seed protocol sets this option itself.");
        name ??= $"mnist-100-{epochs}-epochs{(rows is int n ? $"-rows{n}" : "")}{OptionOverrides.Suffix(overrides)}{(threads is int t2 ? $"-{t2}-threads" : "")}{(roundedInputs ? "-rounded-inputs" : "")}";
        SeedProtocolRun[] protocolRuns = threads is not null || roundedInputs ? [.. Runs.Where(r => r.Summarized).Select(r => r with { Threads = threads ?? r.Threads })] : Runs;
        var selected = runNames is null ? protocolRuns : [.. runNames.Split(',').Select(runName => Run(protocolRuns, runName))];
        return new SeedProtocol(epochs, rows, name, references, candidateRoundings, roundedInputs, protocolRuns, selected, reportOnly, [.. overrides],
            arguments.Where(a => a != "report-only").ToArray());
    }

    /// <summary>This protocol's run named <paramref name="name"/>; an unknown name throws.</summary>
    public SeedProtocolRun Run(string name) => Run(ProtocolRuns, name);

    private static SeedProtocolRun Run(SeedProtocolRun[] runs, string name) =>
        runs.FirstOrDefault(r => r.Name == name) ?? throw new ArgumentException($"The seed protocol has no run '{name}'; its runs are {string.Join(", ", runs.Select(r => r.Name))}.");

    /// <summary>The folder of one run: its checkpoint, results, options and log.</summary>
    public string RunDirectory(SeedProtocolRun run) => Path.Combine(Directory, run.Name);

    /// <summary>The trainer options of <paramref name="run"/>: the defaults, the run's seed and threads, the overrides.</summary>
    public SemiSupervisedGanTrainer.Options Options(SeedProtocolRun run)
    {
        var options = new SemiSupervisedGanTrainer.Options { MaxEpoch = Epochs, Seed = run.WeightSeed, NumberOfThreads = run.Threads };
        OptionOverrides.Apply(options, Overrides);
        return options;
    }

    /// <summary>
    /// The run's definition as "name=value" lines: the data, and every trainer option but the plumbing ones. A run folder
    /// holds the definition it was started with, so that a later sitting cannot continue it with other options or defaults.
    /// </summary>
    public string Definition(SeedProtocolRun run)
    {
        string pixels = RoundedInputs ? ", training pixels as byte * (1 / 255)" : "";
        var lines = new List<string> { $"data=MNIST, {(Rows is int rows ? $"first {rows} training images" : "all 60000 training images")}{pixels}, {LabelsPerClass} labels per class: {run.Labels}" };
        lines.AddRange(OptionLines(Options(run)));
        return string.Join("\n", lines) + "\n";
    }

    /// <summary>
    /// "name=value" for every trainer option but the plumbing ones; the matrix-multiply precision as this machine resolves
    /// it (Auto is bfloat16 on a CPU with bfloat16 instructions), since that is what the run trains with.
    /// </summary>
    private static IEnumerable<string> OptionLines(SemiSupervisedGanTrainer.Options options) =>
        typeof(SemiSupervisedGanTrainer.Options).GetFields(BindingFlags.Public | BindingFlags.Instance).Where(f => !PlumbingOptions.Contains(f.Name))
            .Select(field => field.GetValue(options) switch
            {
                null => $"{field.Name}=null",
                MatrixMultiplyPrecision precision => $"{field.Name}={Runtime.BFloat16Support.Resolve(precision, TorchSharp.DeviceType.CPU)}",
                int[] widths => $"{field.Name}={string.Join(",", widths)}",
                IFormattable number => $"{field.Name}={number.ToString(null, CultureInfo.InvariantCulture)}",
                object value => $"{field.Name}={value}",
            });

    /// <summary>
    /// Records the run's definition in its folder, or checks it against the recorded one; a difference throws, naming the
    /// folder and the lines that differ (a change of the defaults then needs a new name=... or a fresh folder). An option
    /// added to the library since the folder was started passes when it has the value that trains as before it existed:
    /// its default, except where <see cref="AsBeforeAddedOptions"/> says otherwise.
    /// </summary>
    public void RecordOrCheckDefinition(SeedProtocolRun run)
    {
        string directory = RunDirectory(run);
        System.IO.Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, "definition.txt");
        string definition = Definition(run);
        if (!File.Exists(path))
        {
            AtomicFile.Write(path, stream => stream.Write(System.Text.Encoding.UTF8.GetBytes(definition)));
            return;
        }
        string recorded = File.ReadAllText(path);
        var was = recorded.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var now = definition.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // Compared as sets of lines: the fields' order follows the option files' order in the build, not the run.
        var recordedNames = was.Select(OptionName).ToHashSet();
        var defaults = OptionLines(AsBeforeAddedOptions()).ToHashSet();
        var added = now.Where(l => !recordedNames.Contains(OptionName(l)) && defaults.Contains(l)).ToList();
        if (!was.Except(now).Any() && !now.Except(was).Except(added).Any())
            return;
        string differences = string.Join("; ", was.Except(now).Select(l => "was " + l).Concat(now.Except(was).Except(added).Select(l => "now " + l)));
        throw new InvalidOperationException(
            $"The run folder '{directory}' was started with another definition ({differences}). Give this protocol another name (name=...) or delete the folder to start afresh.");
    }

    /// <summary>
    /// The defaults, with the options whose default changed training when they were added set to what training did
    /// before: float32 products (MatrixMultiplyPrecision arrived with Auto, which is bfloat16 on some CPUs).
    /// </summary>
    private static SemiSupervisedGanTrainer.Options AsBeforeAddedOptions() => new() { MatrixMultiplyPrecision = MatrixMultiplyPrecision.Single };

    private static string OptionName(string line) => line[..Math.Max(0, line.IndexOf('='))];

    /// <summary>
    /// The run's training data (the unlabeled rows with the run's 100 labels, keys mapped, pixels rounded as
    /// <see cref="RoundedInputs"/> says) and the 10,000 test images, from <paramref name="dataDirectory"/> (default
    /// <see cref="Repository.DataDirectory"/>).
    /// </summary>
    public (IDataView Train, IDataView Test) Data(MLContext ml, SeedProtocolRun run, string? dataDirectory = null)
    {
        var (train, test) = MnistDataset.Load(ml, dataDirectory ?? Repository.DataDirectory);
        if (Rows is int rows)
            train = ml.Data.TakeRows(train, rows);
        if (RoundedInputs)
            train = ml.Transforms.CustomMapping<MnistPixels, MnistPixels>(MnistPixels.TimesReciprocal, contractName: null).Fit(train).Transform(train);
        var labeled = run.LabelSeed is int seed
            ? ml.Data.KeepLabelsPerClass(train, LabelsPerClass, seed)
            : ml.Data.KeepLabelsPerClassAsOfficialCode(train, LabelsPerClass, seed: 1);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(labeled);
        return (keys.Transform(labeled), keys.Transform(test));
    }
}
