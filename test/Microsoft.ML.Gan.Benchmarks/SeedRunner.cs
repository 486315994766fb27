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
    /// <summary>The results file of a run, in its folder.</summary>
    public const string ResultsFile = "results.csv";

    /// <summary>Trains <paramref name="runName"/> of the protocol given by <paramref name="arguments"/> to its last epoch; returns the exit code.</summary>
    public static int Run(string runName, string[] arguments)
    {
        var protocol = SeedProtocol.Parse(arguments);
        var run = SeedProtocol.Run(runName);
        protocol.RecordOrCheckDefinition(run);
        string directory = protocol.RunDirectory(run);
        using var runLock = Lock(directory);
        if (runLock is null)
        {
            Console.Error.WriteLine($"{run.Name}: another process is training this run (it holds the lock in '{directory}'); not starting a second one.");
            return 3;
        }
        string resultsPath = Path.Combine(directory, ResultsFile);
        string confusionPath = Path.Combine(directory, SeedConfusion.FileName);
        var epochs = SeedEpoch.ReadCsv(resultsPath);
        bool trained = epochs.Count >= protocol.Epochs;
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
        var options = protocol.Options(run);
        options.CheckpointDirectory = directory;
        bool resuming = File.Exists(Path.Combine(directory, Training.TrainingCheckpoint.FileName));
        if (resuming)
            options.ResumeFromCheckpoint = directory;
        Console.WriteLine($"{run.Name}: {run.Labels}, weight seed {run.WeightSeed}, {run.Threads} torch thread(s), {protocol.Epochs} epochs, "
            + (trained ? $"all done; loading the last checkpoint in {directory} for the confusion matrix"
                : resuming ? $"resuming from the checkpoint in {directory} ({epochs.Count} epochs in {ResultsFile})" : "starting afresh"));
        var clock = Stopwatch.StartNew();
        var load = CoreLoad.Start();
        double wallBefore = 0;
        bool first = true;
        options.Progress = new SynchronousProgress(p =>
        {
            if (first)
            {
                // A sitting stopped between an epoch's results line and its checkpoint repeats that epoch: keep the checkpoint's.
                epochs.RemoveAll(e => e.Epoch >= p.Epoch);
                if (epochs.Count != p.Epoch - 1)
                    throw new InvalidOperationException($"{resultsPath} ends at epoch {epochs.Count} but training continues after epoch {p.Epoch - 1}; delete '{directory}' to start the run afresh.");
                wallBefore = epochs.Count > 0 ? epochs[^1].WallSeconds : 0;
                first = false;
            }
            var epoch = new SeedEpoch(p.Epoch, (p.ValidationError ?? double.NaN) * 100, p.EpochSeconds, p.DiscriminatorLoss, p.GeneratorLoss,
                p.LabeledAccuracy * 100, wallBefore + clock.Elapsed.TotalSeconds, DateTime.UtcNow, load?.Sample(0));
            epochs.Add(epoch);
            SeedEpoch.WriteCsv(resultsPath, epochs);
            string recoveries = p.CollapseRecoveries > 0 ? $", collapse guard recoveries {p.CollapseRecoveries}" : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{run.Name}: epoch {p.Epoch}/{protocol.Epochs}: test error {epoch.TestError:F2}%, {p.EpochSeconds:F1} s, D loss {p.DiscriminatorLoss:F4}, G loss {p.GeneratorLoss:F4}{recoveries}"));
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
