using System.Diagnostics;
using System.Text;
using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>
/// The acceptance benchmark of the core: MNIST, 100 labels (10 per class, data seed = weight seed), all 60,000 training images
/// unlabeled, default options of the MLP or the convolutional architecture, or the MLP with virtual batch normalisation
/// in the generator ("vbn"); the averaged model's test error and the wall seconds of every epoch. With
/// <c>officialLabels</c> the 100 labels are the paper's own (those its code keeps with its default NumPy data seed 1) for every
/// weight seed, so the curve compares with the paper's code and its reproductions on the same labelled rows.
/// </summary>
internal static class LearningCurveBenchmark
{
    public static void Run(int epochs, int threads, int seed, string variant, bool officialLabels, string[] overrides, string outputDirectory)
    {
        var ml = new MLContext(1);
        var (train, test) = MnistDataset.Load(ml, Repository.DataDirectory);
        var labeled = officialLabels
            ? ml.Data.KeepLabelsPerClassAsOfficialCode(train, 10, seed: 1)
            : ml.Data.KeepLabelsPerClass(train, 10, seed);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(labeled);
        bool conv = variant == "conv", vbn = variant == "vbn";
        var architecture = conv ? GanArchitecture.Convolutional : GanArchitecture.Mlp;
        var options = new SemiSupervisedGanTrainer.Options
        {
            MaxEpoch = epochs,
            Seed = seed,
            NumberOfThreads = threads,
            Architecture = architecture,
            VirtualBatchNormalization = vbn,
        };
        OptionOverrides.Apply(options, overrides);
        string infix = (conv || vbn ? $"-{variant}" : "") + (officialLabels ? "-official-labels" : "") + OptionOverrides.Suffix(overrides);
        string name = $"mnist-100{infix}-seed{seed}";
        string curveName = $"mnist-100{infix}-curve-seed{seed}.md";
        // Checkpoints after every epoch, so that a long run can be continued with ResumeFromCheckpoint=<that directory>;
        // the table's rows are kept next to them and carried into the continued run's report.
        options.CheckpointDirectory ??= Path.Combine(Repository.Root, "artifacts", "checkpoints", name);
        Directory.CreateDirectory(options.CheckpointDirectory);
        string rowsFile = Path.Combine(options.CheckpointDirectory, "curve-rows.md");
        var tableRows = options.ResumeFromCheckpoint is not null && File.Exists(rowsFile) ? File.ReadAllLines(rowsFile).ToList() : [];
        var guardEvents = new List<string>();
        ml.Log += (_, e) =>
        {
            if (!e.RawMessage.Contains("Collapse guard"))
                return;
            Console.WriteLine(e.RawMessage);
            lock (guardEvents)
                guardEvents.Add(e.RawMessage);
        };
        var rows = new List<GanTrainingProgress>();
        Console.WriteLine($"MNIST, 100 {(officialLabels ? "official " : "")}labels, 60,000 unlabeled, {architecture}{(vbn ? " with virtual batch norm" : "")}, {epochs} epochs, {threads} threads, seed {seed}");
        Console.WriteLine($"Checkpoints: {options.CheckpointDirectory}");
        bool ensemble = options.EnsembleSize > 1;
        Console.WriteLine((ensemble ? "member  " : "") + "epoch  test error  seconds   D loss    G loss  guard");
        options.Progress = new SynchronousProgress(p =>
        {
            rows.Add(p);
            Console.WriteLine((ensemble ? $"{p.EnsembleMember,6}  " : "") + $"{p.Epoch,5}  {p.ValidationError * 100,9:F2}%  {p.EpochSeconds,7:F1}  {p.DiscriminatorLoss,7:F4}  {p.GeneratorLoss,8:F4}  {p.CollapseRecoveries,5}");
            tableRows.RemoveAll(line => OverallEpochOf(line, ensemble, epochs) >= p.OverallEpoch);
            tableRows.Add((ensemble ? $"| {p.EnsembleMember} " : "") + $"| {p.Epoch} | {p.ValidationError * 100:F2} | {p.ValidationError * 10000:F0} | {p.EpochSeconds:F1} | {p.DiscriminatorLoss:F4} | {p.GeneratorLoss:F4} | {p.LabeledAccuracy * 100:F1} | {p.CollapseRecoveries} |");
            File.WriteAllLines(rowsFile, tableRows);
        });
        var clock = Stopwatch.StartNew();
        var model = ml.Gan.SemiSupervised(options).Fit(keys.Transform(labeled), keys.Transform(test));
        double total = clock.Elapsed.TotalSeconds;

        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(keys.Transform(test)));
        string modelPath = Path.Combine(Repository.Root, "artifacts", $"{name}.zip");
        Directory.CreateDirectory(Path.GetDirectoryName(modelPath)!);
        ml.Model.Save(keys.Append(model), labeled.Schema, modelPath);
        model.SaveOnnx(Path.ChangeExtension(modelPath, ".onnx"));

        var table = new StringBuilder();
        table.AppendLine((ensemble ? "| member " : "") + "| epoch | test error (%) | errors of 10,000 | epoch seconds | D loss | G loss | labeled-batch accuracy (%) | collapse-guard recoveries |");
        table.AppendLine((ensemble ? "|---:" : "") + "|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (string line in tableRows)
            table.AppendLine(line);
        string events = guardEvents.Count == 0
            ? $"Collapse guard: {(options.CollapseGuard ? "on, never fired" : "off")}{(options.ResumeFromCheckpoint is null ? "" : " after the resumed epoch")}."
            : "Collapse guard events (MLContext log):\n\n" + string.Concat(guardEvents.Select(e => $"- {e}\n"));
        string summary = $"Final test error through ML.NET (ONNX scoring): {(1 - metrics.MicroAccuracy) * 100:F2}%; total {total:F0} s, mean {rows.Average(r => r.EpochSeconds):F1} s per epoch.";
        string confusions = $"Largest confusions of the final model on the test images: {SeedConfusion.Largest(SeedConfusion.From(metrics, keys.Transform(test).Schema["Label"]), 5)}.";
        Console.WriteLine(summary);
        Console.WriteLine(confusions);
        string report = $"""
            # MNIST, 100 labels: test error per epoch{(conv ? ", convolutional architecture" : vbn ? ", virtual batch normalisation in the generator" : "")}

            Command: `dotnet run -c Release --project test/Microsoft.ML.Gan.Benchmarks -- curve {epochs} {threads} {seed} {variant} {(officialLabels ? "official" : "random")}{string.Concat(overrides.Select(o => " " + o))}`
            Machine: {Environment.ProcessorCount} cores, {threads} torch threads, {Environment.OSVersion}, {DateTime.UtcNow:yyyy-MM-dd}.
            Data: all 60,000 training images as unlabeled data, 10 labels per class ({(officialLabels ? "KeepLabelsPerClassAsOfficialCode, NumPy data seed 1: the paper's code's labels" : $"KeepLabelsPerClass seed {seed}")}), default options{(conv ? " with Architecture = Convolutional" : vbn ? " with VirtualBatchNormalization = true" : "")}{(overrides.Length > 0 ? $" and {string.Join(", ", overrides)}" : "")}, weight seed {seed}.
            Test error is the averaged (EMA) discriminator's on the 10,000 test images after each epoch{(ensemble ? $"; the {options.EnsembleSize} ensemble members train one after another, and a member's test error is that of the ensemble of the finished members and its averaged discriminator" : "")}. Resident memory at the end: {Environment.WorkingSet / (1024 * 1024)} MiB.{(options.ResumeFromCheckpoint is null ? "" : $" Continued from a checkpoint after epoch {tableRows.Count - rows.Count}; the mean seconds per epoch cover the continued part.")}

            {table}
            {events}

            {summary}

            {confusions}
            """;
        File.WriteAllText(Path.Combine(outputDirectory, curveName), report);
        Console.WriteLine($"Wrote {Path.Combine(outputDirectory, curveName)} and {Path.GetFullPath(modelPath)}");
    }

    /// <summary>A table row's epoch counted over the ensemble's members (rows of an ensemble start with the member).</summary>
    private static int OverallEpochOf(string row, bool ensemble, int epochs)
    {
        var cells = row.Split('|', StringSplitOptions.TrimEntries);
        return ensemble ? (int.Parse(cells[1]) - 1) * epochs + int.Parse(cells[2]) : int.Parse(cells[1]);
    }
}
