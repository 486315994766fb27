using System.Globalization;
using Microsoft.ML.Gan.Training;
using TorchSharp;

namespace Microsoft.ML.Gan.Tests;

/// <summary>
/// Each option below reaches the training: setting it to another valid value changes the fitted model's scores
/// (against a run with the defaults on the same rows and seed, whose scores a second run reproduces exactly), and an
/// invalid value is rejected naming the option.
/// </summary>
[TestClass]
public sealed class OptionsReachTrainingTests
{
    private static MLContext s_ml = null!;
    private static IDataView s_train = null!;
    private static IDataView s_test = null!;
    private static float[][] s_defaultScores = [];

    [ClassInitialize]
    public static void TrainWithTheDefaults(TestContext _)
    {
        s_ml = new MLContext(1);
        var keys = s_ml.Transforms.Conversion.MapValueToKey("Label").Fit(MnistSubset.Train(s_ml, 300, labelsPerClass: 3));
        s_train = keys.Transform(MnistSubset.Train(s_ml, 300, labelsPerClass: 3));
        s_test = keys.Transform(MnistSubset.Test(s_ml, 50));
        s_defaultScores = Scores(MnistSubset.TinyOptions());
    }

    private static float[][] Scores(SemiSupervisedGanTrainer.Options options, IDataView? train = null)
    {
        using var model = s_ml.Gan.SemiSupervised(options).Fit(train ?? s_train);
        return MnistSubset.Column(model.Transform(s_test), "Score");
    }

    private static void Set(SemiSupervisedGanTrainer.Options options, string name, double value)
    {
        var field = typeof(SemiSupervisedGanTrainer.Options).GetField(name) ?? throw new ArgumentException($"No option '{name}'.");
        field.SetValue(options, Convert.ChangeType(value, field.FieldType, CultureInfo.InvariantCulture));
    }

    private static bool Same(float[][] a, float[][] b) => a.Zip(b).All(p => p.First.SequenceEqual(p.Second));

    [TestMethod]
    public void TheDefaultRunIsReproducedExactly() =>
        Assert.IsTrue(Same(s_defaultScores, Scores(MnistSubset.TinyOptions())), "a change below can then only come from the option");

    [TestMethod]
    [DataRow("AdamBeta1", 0.9)]
    [DataRow("AdamBeta2", 0.9)]
    [DataRow("GeneratorLearningRate", 0.003)]
    [DataRow("GeneratorAdamBeta1", 0.5)]
    [DataRow("GeneratorAdamBeta2", 0.999)]
    [DataRow("UnlabeledWeight", 0.5)]
    [DataRow("InputNoiseStandardDeviation", 0.0)]
    [DataRow("HiddenNoiseStandardDeviation", 0.0)]
    [DataRow("InitialWeightStandardDeviation", 0.05)]
    [DataRow("AveragingRate", 1.0)]
    [DataRow("ConsistencyWeight", 0.1)]
    [DataRow("MutualInformationWeight", 1.0)]
    [DataRow("VirtualAdversarialWeight", 1.0)]
    public void AnotherValueChangesTheModel(string option, double value)
    {
        var options = MnistSubset.TinyOptions();
        Set(options, option, value);
        Assert.IsFalse(Same(s_defaultScores, Scores(options)), $"{option} = {value} left the scores as the defaults'");
    }

    [TestMethod]
    [DataRow("AdamBeta1", 1.0)]
    [DataRow("AdamBeta1", -0.1)]
    [DataRow("AdamBeta2", 1.0)]
    [DataRow("GeneratorLearningRate", 0.0)]
    [DataRow("GeneratorAdamBeta1", -0.1)]
    [DataRow("GeneratorAdamBeta2", 1.0)]
    [DataRow("UnlabeledWeight", -1.0)]
    [DataRow("InputNoiseStandardDeviation", -0.1)]
    [DataRow("HiddenNoiseStandardDeviation", double.NaN)]
    [DataRow("InitialWeightStandardDeviation", 0.0)]
    [DataRow("AveragingRate", 0.0)]
    [DataRow("AveragingRate", 1.5)]
    [DataRow("ExperienceReplayFraction", 1.5)]
    [DataRow("CheckpointInterval", 0.0)]
    [DataRow("ConsistencyWeight", -0.1)]
    [DataRow("MutualInformationWeight", -1.0)]
    [DataRow("VirtualAdversarialWeight", -1.0)]
    [DataRow("VirtualAdversarialEpsilon", 0.0)]
    [DataRow("VirtualAdversarialXi", -0.1)]
    public void AnInvalidValueIsRejectedNamingTheOption(string option, double value)
    {
        var options = MnistSubset.TinyOptions();
        Set(options, option, value);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => s_ml.Gan.SemiSupervised(options));
        Assert.AreEqual(option, e.ParamName);
    }

    [TestMethod]
    public void ExperienceReplayFractionChangesTheModelWhenReplayIsOn()
    {
        var half = MnistSubset.TinyOptions(epochs: 2);
        half.ExperienceReplaySize = 200;
        var all = MnistSubset.TinyOptions(epochs: 2);
        all.ExperienceReplaySize = 200;
        all.ExperienceReplayFraction = 1.0;
        Assert.IsFalse(Same(Scores(half), Scores(all)), "replacing all generated rows by replayed ones must change training");
    }

    [TestMethod]
    public void VirtualAdversarialEpsilonAndXiChangeTheModelWhenTheTermIsOn()
    {
        static SemiSupervisedGanTrainer.Options WithTheTerm(double epsilon, double xi)
        {
            var options = MnistSubset.TinyOptions();
            options.VirtualAdversarialWeight = 1;
            options.VirtualAdversarialEpsilon = epsilon;
            options.VirtualAdversarialXi = xi;
            return options;
        }
        var defaults = Scores(WithTheTerm(5.0, 0.1));
        Assert.IsFalse(Same(defaults, Scores(WithTheTerm(1.0, 0.1))), "a smaller perturbation must change training");
        Assert.IsFalse(Same(defaults, Scores(WithTheTerm(5.0, 1e-3))), "another finite-difference step must change the direction found");
    }

    [TestMethod]
    [DataRow(1, new[] { 0, 1, 2 })]
    [DataRow(2, new[] { 0, 0, 2 })]
    public void CheckpointIntervalChoosesTheEpochsThatAreSaved(int interval, int[] savedBeforeEachReport)
    {
        string directory = Directory.CreateTempSubdirectory("mlgan-interval-").FullName;
        string file = Path.Combine(directory, TrainingCheckpoint.FileName);
        var seen = new List<int>();
        var options = MnistSubset.TinyOptions(epochs: 3);
        options.CheckpointDirectory = directory;
        options.CheckpointInterval = interval;
        options.Progress = new ReportAction(_ =>
        {
            using var checkpoint = File.Exists(file) ? TrainingCheckpoint.Read(file, null) : null;
            seen.Add(checkpoint?.Epoch ?? 0);
        });
        Scores(options);
        CollectionAssert.AreEqual(savedBeforeEachReport, seen, "epoch of the checkpoint on disk when epochs 1, 2, 3 are reported (0: none)");
        using (var last = TrainingCheckpoint.Read(file, null))
            Assert.AreEqual(3, last.Epoch, "the last epoch is always saved");
        Directory.Delete(directory, recursive: true);
    }

    [TestMethod]
    public void LabelColumnNameNamesTheColumnTrainingReads()
    {
        var renamed = s_ml.Transforms.CopyColumns("Digit", "Label").Append(s_ml.Transforms.DropColumns("Label")).Fit(s_train).Transform(s_train);
        var options = MnistSubset.TinyOptions();
        options.LabelColumnName = "Digit";
        Assert.IsTrue(Same(s_defaultScores, Scores(options, renamed)), "the same labels under another name train the same model");

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Scores(MnistSubset.TinyOptions(), renamed));
        StringAssert.Contains(e.Message, "'Label'");
    }

    [TestMethod]
    public void DeviceSelectsTheTorchDeviceAndAMissingCudaIsRejected()
    {
        if (torch.cuda.is_available())
            Assert.Inconclusive("CUDA is available here: the default device is not the CPU, and a CUDA device cannot be shown to be rejected.");
        var cpu = MnistSubset.TinyOptions();
        cpu.Device = "cpu";
        Assert.IsTrue(Same(s_defaultScores, Scores(cpu)), "without CUDA the default device is the CPU");
        var gpu = MnistSubset.TinyOptions();
        gpu.Device = "cuda";
        var e = Assert.ThrowsExactly<ArgumentException>(() => Scores(gpu));
        StringAssert.Contains(e.Message, "Device 'cuda' was requested but the loaded TorchSharp backend has no CUDA support");
    }

    private sealed class ReportAction(Action<GanTrainingProgress> report) : IProgress<GanTrainingProgress>
    {
        public void Report(GanTrainingProgress value) => report(value);
    }
}
