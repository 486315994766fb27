using Microsoft.ML.Gan.Training;
using Microsoft.ML.Gan.Benchmarks;

namespace Microsoft.ML.Gan.Tests;

/// <summary>Checkpoints: an interrupted run resumed from its checkpoint equals an uninterrupted one; damage is reported.</summary>
[TestClass]
public sealed class CheckpointTests
{
    private static string NewDirectory() => Directory.CreateTempSubdirectory("mlgan-checkpoint-").FullName;

    private static (MLContext Ml, IDataView Train, IDataView Test) Data()
    {
        var ml = new MLContext(1);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(MnistSubset.Train(ml, 400, labelsPerClass: 3));
        return (ml, keys.Transform(MnistSubset.Train(ml, 400, labelsPerClass: 3)), keys.Transform(MnistSubset.Test(ml, 200)));
    }

    private static float[][] Scores(MLContext ml, SemiSupervisedGanTrainer.Options options, IDataView train, IDataView test)
    {
        using var model = ml.Gan.SemiSupervised(options).Fit(train);
        return MnistSubset.Column(model.Transform(test), "Score");
    }

    [TestMethod]
    public void ResumedRunEqualsUninterruptedRun()
    {
        var (ml, train, test) = Data();
        string first = NewDirectory(), second = NewDirectory();
        var uninterrupted = MnistSubset.TinyOptions(epochs: 4);
        uninterrupted.CheckpointDirectory = first;
        var expected = Scores(ml, uninterrupted, train, test);

        var stopped = MnistSubset.TinyOptions(epochs: 2);
        stopped.CheckpointDirectory = second;
        var afterTwo = Scores(ml, stopped, train, test);
        var resumed = MnistSubset.TinyOptions(epochs: 4);
        resumed.ResumeFromCheckpoint = second;
        resumed.Seed = 12345;
        var actual = Scores(ml, resumed, train, test);

        Assert.IsFalse(expected.Zip(afterTwo).All(p => p.First.SequenceEqual(p.Second)), "epochs 3 and 4 must change the model");
        for (int i = 0; i < expected.Length; i++)
            CollectionAssert.AreEqual(expected[i], actual[i], $"row {i}: resumed scores differ from the uninterrupted run");
        CollectionAssert.AreEqual(new[] { TrainingCheckpoint.FileName }, Directory.GetFiles(second).Select(Path.GetFileName).ToArray(),
            "only the checkpoint itself, no temporary file, is left");
    }

    [TestMethod]
    public void CheckpointOfAnotherArchitectureIsRejected()
    {
        var (ml, train, _) = Data();
        string directory = NewDirectory();
        var options = MnistSubset.TinyOptions(epochs: 1);
        options.CheckpointDirectory = directory;
        ml.Gan.SemiSupervised(options).Fit(train).Dispose();

        var other = MnistSubset.TinyOptions(epochs: 2);
        other.DiscriminatorHiddenSizes = [64, 16];
        other.ResumeFromCheckpoint = directory;
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Gan.SemiSupervised(other).Fit(train));
        StringAssert.Contains(e.Message, "another architecture");
        StringAssert.Contains(e.Message, "discriminator=[64,32]");
    }

    [TestMethod]
    public void ResumingInAnotherPrecisionWarnsAndResumingInTheSameDoesNot()
    {
        var (ml, train, _) = Data();
        string directory = NewDirectory();
        var options = MnistSubset.TinyOptions(epochs: 1);
        options.MatrixMultiplyPrecision = MatrixMultiplyPrecision.Single;
        options.CheckpointDirectory = directory;
        ml.Gan.SemiSupervised(options).Fit(train).Dispose();

        var warnings = new List<string>();
        ml.Log += (_, e) =>
        {
            if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Warning && e.RawMessage.Contains("checkpoint was trained with"))
                lock (warnings)
                    warnings.Add(e.RawMessage);
        };
        foreach (var precision in new[] { MatrixMultiplyPrecision.Single, MatrixMultiplyPrecision.BFloat16 })
        {
            var resumed = MnistSubset.TinyOptions(epochs: 2);
            resumed.MatrixMultiplyPrecision = precision;
            resumed.ResumeFromCheckpoint = directory;
            ml.Gan.SemiSupervised(resumed).Fit(train).Dispose();
        }
        Assert.HasCount(1, warnings);
        StringAssert.Contains(warnings[0], "MatrixMultiplyPrecision Single; this run multiplies in BFloat16");
    }

    [TestMethod]
    public void MissingCheckpointIsRejectedBeforeTraining()
    {
        var options = MnistSubset.TinyOptions();
        options.ResumeFromCheckpoint = Path.Combine(NewDirectory(), "nothing-here");
        var e = Assert.ThrowsExactly<FileNotFoundException>(() => new MLContext(1).Gan.SemiSupervised(options));
        StringAssert.Contains(e.Message, "nothing-here");
    }

    [TestMethod]
    public void DamagedCheckpointsAlwaysGiveAManagedExceptionNamingTheFile()
    {
        var (ml, train, _) = Data();
        string directory = NewDirectory();
        var options = MnistSubset.TinyOptions(epochs: 1);
        options.CheckpointDirectory = directory;
        ml.Gan.SemiSupervised(options).Fit(train).Dispose();
        byte[] original = File.ReadAllBytes(Path.Combine(directory, TrainingCheckpoint.FileName));
        using (TrainingCheckpoint.Read(Path.Combine(directory, TrainingCheckpoint.FileName), null)) { }

        string damaged = Path.Combine(directory, "damaged.mlgan");
        for (int i = 0; i < 200; i++)
        {
            byte[] bytes = FileDamage.Apply(original, new Random(i));
            if (bytes.AsSpan().SequenceEqual(original))
                continue;
            File.WriteAllBytes(damaged, bytes);
            var e = Assert.ThrowsExactly<InvalidDataException>(() => TrainingCheckpoint.Read(damaged, null).Dispose(), $"case {i}");
            StringAssert.Contains(e.Message, damaged);
        }
    }
}
