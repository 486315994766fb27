using System.Diagnostics;
using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Tests;

/// <summary>Killing a process while it saves a model or a checkpoint leaves the previous file intact and loadable.</summary>
[TestClass]
public sealed class CrashSafetyTests
{
    [TestMethod]
    public void SigkillDuringSaveAtomicallyLeavesALoadableModel()
    {
        var ml = new MLContext(1);
        var train = MnistSubset.Train(ml, 300, labelsPerClass: 3);
        var test = MnistSubset.Test(ml, 50);
        var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Gan.SemiSupervised(MnistSubset.TinyOptions())).Fit(train);
        string directory = Directory.CreateTempSubdirectory("mlgan-crash-").FullName;
        string source = Path.Combine(directory, "source.zip"), target = Path.Combine(directory, "model.zip");
        ml.Model.SaveAtomically(model, train.Schema, source);
        ml.Model.SaveAtomically(model, train.Schema, target);
        var expected = MnistSubset.Column(model.Transform(test), "Score");
        var random = new Random(1);

        for (int kill = 0; kill < 5; kill++)
        {
            KillWhileSaving("model", source, target, random);
            var loaded = new MLContext(1).Model.Load(target, out _);
            var actual = MnistSubset.Column(loaded.Transform(test), "Score");
            for (int i = 0; i < expected.Length; i++)
                CollectionAssert.AreEqual(expected[i], actual[i], $"kill {kill}, row {i}");
        }
        Directory.Delete(directory, recursive: true);
    }

    [TestMethod]
    public void SigkillDuringACheckpointWriteLeavesALoadableCheckpoint()
    {
        var ml = new MLContext(1);
        var train = ml.Transforms.Conversion.MapValueToKey("Label").Fit(MnistSubset.Train(ml, 300, labelsPerClass: 3)).Transform(MnistSubset.Train(ml, 300, labelsPerClass: 3));
        string directory = Directory.CreateTempSubdirectory("mlgan-crash-").FullName;
        var options = MnistSubset.TinyOptions();
        options.CheckpointDirectory = directory;
        ml.Gan.SemiSupervised(options).Fit(train).Dispose();
        string source = Path.Combine(directory, Training.TrainingCheckpoint.FileName), target = Path.Combine(directory, "copy.mlgan");
        File.Copy(source, target);
        byte[] expected = File.ReadAllBytes(source);
        var random = new Random(2);

        for (int kill = 0; kill < 5; kill++)
        {
            KillWhileSaving("checkpoint", source, target, random);
            CollectionAssert.AreEqual(expected, File.ReadAllBytes(target), $"kill {kill}: the checkpoint is whole");
            Training.TrainingCheckpoint.Read(target, null).Dispose();
        }
        Directory.Delete(directory, recursive: true);
    }

    /// <summary>
    /// Starts the save loop and SIGKILLs it a random moment after its second to fifth save. Fails unless the child
    /// reported that save and was still running when killed, so that a child dying early cannot pass unnoticed.
    /// </summary>
    private static void KillWhileSaving(string kind, string source, string target, Random random)
    {
        string helper = Path.Combine(AppContext.BaseDirectory, "Microsoft.ML.Gan.SaveLoop.dll");
        using var child = Process.Start(new ProcessStartInfo("dotnet", [helper, kind, source, target]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var error = child.StandardError.ReadToEndAsync();
        int wanted = 2 + random.Next(4);
        string? line = child.StandardOutput.ReadLine();
        while (line is not null && line != $"saved {wanted}")
            line = child.StandardOutput.ReadLine();
        if (line is null)
        {
            child.WaitForExit();
            Assert.Fail($"The save loop ended (exit code {child.ExitCode}) before reporting 'saved {wanted}': {error.Result}");
        }
        Thread.Sleep(random.Next(0, 30));
        Assert.IsFalse(child.HasExited, "the save loop was running when killed");
        child.Kill();
        child.WaitForExit();
        Assert.AreEqual(137, child.ExitCode, "the child died of SIGKILL (128 + 9)");
    }

    [TestMethod]
    public void AFailedSaveAtomicallyKeepsThePreviousFile()
    {
        var ml = new MLContext(1);
        var train = MnistSubset.Train(ml, 300, labelsPerClass: 3);
        var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Gan.SemiSupervised(MnistSubset.TinyOptions())).Fit(train);
        string directory = Directory.CreateTempSubdirectory("mlgan-save-").FullName;
        string target = Path.Combine(directory, "model.zip");
        File.WriteAllText(target, "previous content");

        Assert.ThrowsExactly<ArgumentNullException>(() => ml.Model.SaveAtomically(null!, train.Schema, target));
        var failing = model.Append(new FailsWhileSaving());
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Model.SaveAtomically(failing, train.Schema, target));
        StringAssert.Contains(e.Message, "fails while saving");

        Assert.AreEqual("previous content", File.ReadAllText(target));
        CollectionAssert.AreEqual(new[] { "model.zip" }, Directory.GetFiles(directory).Select(Path.GetFileName).ToArray(), "no temporary file is left");
        Directory.Delete(directory, recursive: true);
    }

    /// <summary>A transformer whose Save fails after ML.NET has started writing the zip.</summary>
    private sealed class FailsWhileSaving : ITransformer
    {
        public bool IsRowToRowMapper => true;

        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => inputSchema;

        public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => throw new NotSupportedException();

        public IDataView Transform(IDataView input) => input;

        public void Save(ModelSaveContext ctx) => throw new InvalidOperationException("This transformer fails while saving.");
    }
}
