using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.ML.Gan.Cli;
using Microsoft.ML.Gan.Data;
using Microsoft.ML.Gan.Training;
using Microsoft.ML.Runtime;
using TorchSharp;

namespace Microsoft.ML.Gan.Tests;

/// <summary>
/// Stopping a Fit: the options' CancellationToken and the MLContext's own cancellation end training before the next
/// step with OperationCanceledException, free its tensors, and keep the last checkpoint, which resumes; mlgan train
/// stops on Ctrl+C, prints the command that resumes, and exits with 130.
/// </summary>
[TestClass]
public sealed partial class CancellationTests
{
    private static (MLContext Ml, IDataView Train, IDataView Test) Data()
    {
        var ml = new MLContext(1);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(MnistSubset.Train(ml, 300, labelsPerClass: 3));
        return (ml, keys.Transform(MnistSubset.Train(ml, 300, labelsPerClass: 3)), keys.Transform(MnistSubset.Test(ml, 100)));
    }

    /// <summary>Tiny options whose progress report of epoch <paramref name="stopAfter"/> calls <paramref name="stop"/>.</summary>
    private static SemiSupervisedGanTrainer.Options StoppingOptions(int stopAfter, Action stop, List<GanTrainingProgress> reports)
    {
        var options = MnistSubset.TinyOptions(epochs: 50);
        options.Progress = new StopAt(reports, stopAfter, stop);
        return options;
    }

    [TestMethod]
    public void ACanceledTokenStopsFitAfterTheCurrentStepAndKeepsTheCheckpointThatResumes()
    {
        var (ml, train, test) = Data();
        string directory = Directory.CreateTempSubdirectory("mlgan-cancel-").FullName;
        using var stop = new CancellationTokenSource();
        var reports = new List<GanTrainingProgress>();
        var options = StoppingOptions(2, stop.Cancel, reports);
        options.CancellationToken = stop.Token;
        options.CheckpointDirectory = directory;

        var e = Assert.ThrowsExactly<OperationCanceledException>(() => ml.Gan.SemiSupervised(options).Fit(train));
        Assert.AreEqual(stop.Token, e.CancellationToken);
        CollectionAssert.AreEqual(new[] { 1, 2 }, reports.Select(r => r.Epoch).ToArray(), "no epoch after the cancellation is completed");
        using (var checkpoint = TrainingCheckpoint.Read(Path.Combine(directory, TrainingCheckpoint.FileName), null))
            Assert.AreEqual(2, checkpoint.Epoch, "the checkpoint of the last completed epoch stays");

        var resumed = MnistSubset.TinyOptions(epochs: 3);
        resumed.ResumeFromCheckpoint = directory;
        var fromCheckpoint = Scores(ml, resumed, train, test);
        var uninterrupted = Scores(ml, MnistSubset.TinyOptions(epochs: 3), train, test);
        for (int i = 0; i < uninterrupted.Length; i++)
            CollectionAssert.AreEqual(uninterrupted[i], fromCheckpoint[i], $"row {i}: the resumed run equals an uninterrupted one");
        Directory.Delete(directory, recursive: true);
    }

    [TestMethod]
    public void CancelingTheMLContextStopsFitAsAutoMLDoes()
    {
        var (ml, train, _) = Data();
        // MLContext.CancelExecution is internal to ML.NET 5 (AutoML calls it to end a trial); the test calls it the same way.
        var cancelExecution = typeof(MLContext).GetMethod("CancelExecution", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)!;
        var reports = new List<GanTrainingProgress>();
        var trainer = ml.Gan.SemiSupervised(StoppingOptions(1, () => cancelExecution.Invoke(ml, null), reports));

        Assert.ThrowsExactly<OperationCanceledException>(() => trainer.Fit(train));
        Assert.HasCount(1, reports, "training stopped in the epoch after the cancellation");
    }

    [TestMethod]
    public void AnAlreadyCanceledTokenStopsFitBeforeTraining()
    {
        var (ml, train, _) = Data();
        var reports = new List<GanTrainingProgress>();
        var options = MnistSubset.TinyOptions();
        options.Progress = new ProgressRecorder(reports);
        options.CancellationToken = new CancellationToken(canceled: true);
        Assert.ThrowsExactly<OperationCanceledException>(() => ml.Gan.SemiSupervised(options).Fit(train));
        Assert.IsEmpty(reports);
    }

    [TestMethod]
    public void ACanceledFitWithCheckpointsLeavesNoTensorAlive()
    {
        var (ml, train, _) = Data();
        long CanceledFit()
        {
            using var stop = new CancellationTokenSource();
            var options = StoppingOptions(2, stop.Cancel, []);
            options.CancellationToken = stop.Token;
            options.CheckpointDirectory = Directory.CreateTempSubdirectory("mlgan-cancel-").FullName;
            options.HistoricalAveragingWeight = 1e-3;
            long before = DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;
            Assert.ThrowsExactly<OperationCanceledException>(() => ml.Gan.SemiSupervised(options).Fit(train));
            long left = DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount - before;
            Directory.Delete(options.CheckpointDirectory, recursive: true);
            return left;
        }

        CanceledFit();
        long created = DisposeScopeManager.Statistics.TensorStatistics.CreatedOutsideScopeCount + DisposeScopeManager.Statistics.TensorStatistics.CreatedInScopeCount;
        long left = CanceledFit();
        long createdByFit = DisposeScopeManager.Statistics.TensorStatistics.CreatedOutsideScopeCount + DisposeScopeManager.Statistics.TensorStatistics.CreatedInScopeCount - created;
        Assert.IsGreaterThan(100L, createdByFit, "the statistics see the tensors of training");
        Assert.AreEqual(0L, left, "tensors (weights, Adam moments, batches) still alive on this thread after a canceled Fit");
    }

    [TestMethod]
    public void TrainingChecksForCancellationBeforeEveryStep()
    {
        var (ml, train, _) = Data();
        var columns = SemiSupervisedColumns.Find(train.Schema, "Features", "Label");
        using var data = SemiSupervisedData.Read(train, columns, requireLabels: true);
        var reports = new List<GanTrainingProgress>();
        var options = MnistSubset.TinyOptions(epochs: 5);
        options.Progress = new ProgressRecorder(reports);
        using var channel = ((IHostEnvironment)ml).Register("test").Start("test");
        using var training = new GanTrainingLoop(options, columns.FeatureCount, columns.ClassCount, null, 7, channel);
        int checks = 0;

        // 300 rows in batches of 50: 6 steps per epoch; the 9th check is before step 3 of epoch 2.
        Assert.ThrowsExactly<OperationCanceledException>(() => training.Run(data, null, null, () =>
        {
            if (++checks == 9)
                throw new OperationCanceledException();
        }));
        Assert.AreEqual(9, checks);
        Assert.HasCount(1, reports, "epoch 2 did not complete");
    }

    [TestMethod]
    public void CtrlCStopsMlganTrainWhichPrintsTheResumeCommandAndExitsWith130()
    {
        string directory = Directory.CreateTempSubdirectory("mlgan-sigint-").FullName;
        string checkpoints = Path.Combine(directory, "checkpoints"), model = Path.Combine(directory, "model.zip");
        string[] arguments = TestData.SmallMlganTrain(checkpoints, model, epochs: 1000);
        int interrupted = 0, signalResult = -1;
        var started = new TaskCompletionSource<int>();
        ChildProcess child;
        // mlgan must start as from an interactive shell, where Ctrl+C reaches it, even when this test runs as a
        // background job that inherited SIGINT ignored.
        using (new DefaultSigint())
        {
            child = new ChildProcess("dotnet", [Path.Combine(AppContext.BaseDirectory, "mlgan.dll"), .. arguments], onLine: line =>
            {
                if (line.StartsWith("epoch 1/1000:", StringComparison.Ordinal) && Interlocked.Exchange(ref interrupted, 1) == 0)
                    signalResult = Kill(started.Task.Result, Sigint);
            });
        }
        using (child)
        {
            started.SetResult(child.Id);
            int code = child.WaitForExit(TimeSpan.FromMinutes(3));
            Assert.AreEqual(1, interrupted, $"the first epoch was reported before the interrupt.\n{child.Output}\n{child.Error}");
            Assert.AreEqual(0, signalResult, "SIGINT was sent");
            Assert.AreEqual(MlganCli.Interrupted, code, $"{child.Output}\n{child.Error}");
            var stopped = InterruptedLine().Match(child.Output);
            Assert.IsTrue(stopped.Success, $"the interruption is reported with the checkpoint's epoch.\n{child.Output}");
            int epoch = int.Parse(stopped.Groups[1].Value);
            Assert.IsTrue(epoch >= 1 && epoch < 1000, $"stopped after epoch {epoch} of 1000");
            Assert.IsFalse(File.Exists(model), "an interrupted run saves no model");

            var lines = child.Output.Split('\n', StringSplitOptions.TrimEntries);
            string resume = lines[Array.FindIndex(lines, l => l.EndsWith("Resume with:", StringComparison.Ordinal)) + 1];
            string[] words = resume.Split(' ');
            Assert.AreEqual("mlgan", words[0]);
            CollectionAssert.AreEqual(arguments.Concat(["--resume", checkpoints]).ToArray(), words[1..], resume);

            // The printed command, asked for one more epoch, continues from the checkpoint.
            words[Array.IndexOf(words, "--epochs") + 1] = (epoch + 1).ToString();
            var output = new StringWriter();
            var error = new StringWriter();
            Assert.AreEqual(0, MlganCli.Run(words[1..], output, error), error.ToString());
            StringAssert.StartsWith(output.ToString(), $"epoch {epoch + 1}/{epoch + 1}:", "only the epoch after the checkpoint runs");
            Assert.IsTrue(File.Exists(model));
        }
        Directory.Delete(directory, recursive: true);
    }

    private const int Sigint = 2;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    [System.Text.RegularExpressions.GeneratedRegex(@"^Training interrupted; the checkpoint of epoch ([0-9]+) is in ", System.Text.RegularExpressions.RegexOptions.Multiline)]
    private static partial System.Text.RegularExpressions.Regex InterruptedLine();

    private static float[][] Scores(MLContext ml, SemiSupervisedGanTrainer.Options options, IDataView train, IDataView test)
    {
        using var model = ml.Gan.SemiSupervised(options).Fit(train);
        return MnistSubset.Column(model.Transform(test), "Score");
    }

    /// <summary>Records every report and calls <paramref name="stop"/> on the report of epoch <paramref name="epoch"/>.</summary>
    private sealed class StopAt(List<GanTrainingProgress> reports, int epoch, Action stop) : IProgress<GanTrainingProgress>
    {
        public void Report(GanTrainingProgress value)
        {
            reports.Add(value);
            if (value.Epoch == epoch)
                stop();
        }
    }
}
