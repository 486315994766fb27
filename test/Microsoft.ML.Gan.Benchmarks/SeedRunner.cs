using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.Gan.Runtime;

namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>
/// One run of the seed protocol, in a child process of <see cref="SeedsBenchmark"/>: it trains with a checkpoint after
/// every epoch in the run's folder and adds each epoch to the folder's results.csv; started again after an
/// interruption, it resumes from the checkpoint and does not redo finished epochs. A lock file keeps two processes
/// from training the same run at once. At the end it writes the final model's confusions on the test images
/// (<see cref="SeedConfusion"/>), loading the last checkpoint for a run an older build finished.
/// </summary>
internal static class SeedRunner
{
    /// <summary>
    /// The results file of a run, in its folder: the epochs of the model the run returns. With <c>EnsembleSize</c> above 1
    /// those are the last member's, each scored as the ensemble of the finished members and that member's averaged model;
    /// the earlier members' epochs go to results-member-N.csv (N from 1).
    /// </summary>
    public const string ResultsFile = "results.csv";

    private static string ResultsFileOf(int member, int ensembleSize) => member == ensembleSize ? ResultsFile : $"results-member-{member}.csv";

    /// <summary>Trains <paramref name="runName"/> of the protocol given by <paramref name="arguments"/> to its last epoch; returns the exit code.</summary>
    public static int Run(string runName, string[] arguments)
    {
        var protocol = SeedProtocol.Parse(arguments);
        var run = protocol.Run(runName);
        protocol.RecordOrCheckDefinition(run);
        string directory = protocol.RunDirectory(run);
        using var runLock = Lock(directory);
        if (runLock is null)
        {
            Console.Error.WriteLine($"{run.Name}: another process is training this run (it holds the lock in '{directory}'); not starting a second one.");
            return 3;
        }
        var options = protocol.Options(run);
        var results = Enumerable.Range(1, options.EnsembleSize).Select(member => Path.Combine(directory, ResultsFileOf(member, options.EnsembleSize))).ToArray();
        string confusionPath = Path.Combine(directory, SeedConfusion.FileName);
        var epochs = results.Select(SeedEpoch.ReadCsv).ToArray();
        bool trained = epochs[^1].Count >= protocol.Epochs;
        if (trained && File.Exists(confusionPath))
        {
            Console.WriteLine($"{run.Name}: all {protocol.Epochs} epochs are done.");
            return 0;
        }

        var ml = new MLContext(1);
        ml.Log += (_, e) =>
        {
            if (e.RawMessage.StartsWith("Collapse guard", StringComparison.Ordinal))
                Console.WriteLine($"{run.Name}: {e.RawMessage}");
        };
        var (train, test) = protocol.Data(ml, run);
        options.CheckpointDirectory = directory;
        string firstCheckpoint = options.EnsembleSize > 1 ? SemiSupervisedGanTrainer.Options.EnsembleMemberDirectory(directory, 0) : directory;
        bool resuming = File.Exists(Path.Combine(firstCheckpoint, Training.TrainingCheckpoint.FileName));
        if (resuming)
            options.ResumeFromCheckpoint = directory;
        string members = options.EnsembleSize > 1 ? $", {options.EnsembleSize} ensemble members" : "";
        Console.WriteLine($"{run.Name}: {run.Labels}, weight seed {run.WeightSeed}, {run.Threads} torch thread(s), {protocol.Epochs} epochs{members}, "
            + (trained ? $"all done; loading the last checkpoint in {directory} for the confusion matrix"
                : resuming ? $"resuming from the checkpoint in {directory} ({epochs.Sum(e => e.Count)} epochs in {string.Join(", ", results.Select(Path.GetFileName))})" : "starting afresh"));
        var clock = Stopwatch.StartNew();
        var load = CoreLoad.Start();
        double wallBefore = 0;
        var resumed = new bool[options.EnsembleSize];
        options.Progress = new SynchronousProgress(p =>
        {
            var memberEpochs = epochs[p.EnsembleMember - 1];
            string path = results[p.EnsembleMember - 1];
            if (!resumed[p.EnsembleMember - 1])
            {
                // A sitting stopped between an epoch's results line and its checkpoint repeats that epoch: keep the checkpoint's.
                memberEpochs.RemoveAll(e => e.Epoch >= p.Epoch);
                if (memberEpochs.Count != p.Epoch - 1)
                    throw new InvalidOperationException($"{path} ends at epoch {memberEpochs.Count} but training continues after epoch {p.Epoch - 1}; delete '{directory}' to start the run afresh.");
                if (!resumed.Any(r => r))
                    wallBefore = epochs.SelectMany(e => e).Select(e => e.WallSeconds).DefaultIfEmpty(0).Max();
                resumed[p.EnsembleMember - 1] = true;
            }
            var epoch = new SeedEpoch(p.Epoch, (p.ValidationError ?? double.NaN) * 100, p.EpochSeconds, p.DiscriminatorLoss, p.GeneratorLoss,
                p.LabeledAccuracy * 100, wallBefore + clock.Elapsed.TotalSeconds, DateTime.UtcNow, load?.Sample(0));
            memberEpochs.Add(epoch);
            SeedEpoch.WriteCsv(path, memberEpochs);
            string recoveries = p.CollapseRecoveries > 0 ? $", collapse guard recoveries {p.CollapseRecoveries}" : "";
            string member = p.EnsembleSize > 1 ? $"member {p.EnsembleMember}/{p.EnsembleSize}, " : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{run.Name}: {member}epoch {p.Epoch}/{protocol.Epochs}: test error {epoch.TestError:F2}%, {p.EpochSeconds:F1} s, D loss {p.DiscriminatorLoss:F4}, G loss {p.GeneratorLoss:F4}{recoveries}"));
        });
        using var model = ml.Gan.SemiSupervised(options).Fit(train, test);
        var confusions = SeedConfusion.Measure(ml, model, test);
        SeedConfusion.WriteCsv(confusionPath, confusions);
        Console.WriteLine($"{run.Name}: largest confusions of the last epoch's model on the test images: {SeedConfusion.Largest(confusions, 3)}");
        return 0;
    }

    /// <summary>Takes the run folder's lock for the life of the process; null if another process holds it.</summary>
    private static FileStream? Lock(string directory)
    {
        try
        {
            return new FileStream(Path.Combine(directory, "lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
