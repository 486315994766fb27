// Trains a semi-supervised GAN classifier on MNIST with 100 labels (10 per class); all 60,000 training images
// serve as unlabeled data. Shows a live progress bar (plain lines when the output is redirected), prints the test
// error, saves model.zip, and checks that the saved model, loaded in a fresh MLContext, gives the same test error.
//
//   dotnet run -c Release --project src/Examples/MnistSemiSupervised -- [--epochs 20] [--labels-per-class 10]
//       [--seed 1] [--ensemble 1] [--data DIR (default: $MLGAN_DATA_DIR, then ./data)] [--model model.zip]
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Gan;
using Microsoft.ML.Gan.Cli;

var options = Arguments.Parse(args);
int epochs = options.Int("epochs", 20);
int labelsPerClass = options.Int("labels-per-class", 10);
int seed = options.Int("seed", 1);
int ensembleSize = options.Int("ensemble", 1);
string modelPath = options.Text("model") ?? "model.zip";

var ml = new MLContext(seed);
var (train, test) = MnistDataset.Load(ml, options.Text("data"));
var semiSupervised = ml.Data.KeepLabelsPerClass(train, labelsPerClass, seed);

var trainerOptions = new SemiSupervisedGanTrainer.Options
{
    MaxEpoch = epochs,
    Seed = seed,
    EnsembleSize = ensembleSize,
};
var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
    .Append(ml.Gan.SemiSupervised(trainerOptions))
    .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));

Console.WriteLine($"Training on {labelsPerClass * 10} labeled and {train.GetRowCount()} unlabeled MNIST images for {epochs} epochs"
    + (ensembleSize > 1 ? $", an ensemble of {ensembleSize} trained one after another." : "."));
var clock = Stopwatch.StartNew();
using var model = TrainingDisplay.Run(Console.Out, plain: false, trainerOptions, () => pipeline.Fit(semiSupervised));
Console.WriteLine($"Trained in {clock.Elapsed.TotalSeconds:F0} s.");

var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
double error = 1 - metrics.MicroAccuracy;
Console.WriteLine($"Test error: {error * 100:F2}% ({error * 10000:F0} of 10,000 test images)");

ml.Model.Save(model, semiSupervised.Schema, modelPath);
var reloaded = new MLContext().Model.Load(modelPath, out _);
double reloadedError = 1 - ml.MulticlassClassification.Evaluate(reloaded.Transform(test)).MicroAccuracy;
Console.WriteLine($"Saved {Path.GetFullPath(modelPath)} ({new FileInfo(modelPath).Length / 1024} KiB); reloaded in a fresh MLContext: test error {reloadedError * 100:F2}%");
(reloaded as IDisposable)?.Dispose();

/// <summary>"--name value" pairs of the command line.</summary>
internal sealed class Arguments(Dictionary<string, string> values)
{
    public static Arguments Parse(string[] args)
    {
        var values = new Dictionary<string, string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--") || i + 1 >= args.Length)
                throw new ArgumentException($"Expected '--name value' pairs; got '{args[i]}'.");
            values[args[i][2..]] = args[++i];
        }
        return new Arguments(values);
    }

    public string? Text(string name) => values.GetValueOrDefault(name);

    public int Int(string name, int fallback) =>
        values.TryGetValue(name, out var text)
            ? int.TryParse(text, out int value) && value > 0 ? value : throw new ArgumentException($"--{name} must be a positive integer; got '{text}'.")
            : fallback;
}
