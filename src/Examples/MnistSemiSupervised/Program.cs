// Trains a semi-supervised GAN classifier on MNIST with 100 labels (10 per class): all 60,000 training images
// serve as unlabeled data. Prints the test error after every epoch and at the end, saves model.zip, and checks
// that the saved model, loaded in a fresh MLContext, predicts the same.
//
//   dotnet run -c Release --project src/Examples/MnistSemiSupervised -- [--epochs N] [--labels-per-class N]
//       [--seed N] [--data DIR] [--model PATH] [--rows N]
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Gan;

var arguments = ParseArguments(args);
int epochs = arguments.GetValueOrDefault("epochs", 10);
int labelsPerClass = arguments.GetValueOrDefault("labels-per-class", 10);
int seed = arguments.GetValueOrDefault("seed", 1);
int rows = arguments.GetValueOrDefault("rows", 0);
string? dataDirectory = Environment.GetCommandLineArgs().SkipWhile(a => a != "--data").Skip(1).FirstOrDefault();
string modelPath = Environment.GetCommandLineArgs().SkipWhile(a => a != "--model").Skip(1).FirstOrDefault() ?? "model.zip";

var ml = new MLContext(seed);
ml.Log += (_, e) =>
{
    if (e.Kind <= Microsoft.ML.Runtime.ChannelMessageKind.Warning && e.Source.StartsWith(nameof(SemiSupervisedGanTrainer)))
        Console.WriteLine($"  {e.Message}");
};

var (train, test) = MnistDataset.Load(ml, dataDirectory);
if (rows > 0)
    train = ml.Data.TakeRows(train, rows);
var semiSupervised = ml.Data.KeepLabelsPerClass(train, labelsPerClass, seed);

var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
    .Append(ml.Gan.SemiSupervised(new SemiSupervisedGanTrainer.Options { MaxEpoch = epochs, Seed = seed }))
    .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));

Console.WriteLine($"Training on {labelsPerClass * 10} labeled and {train.GetRowCount()} unlabeled MNIST images for {epochs} epochs.");
var clock = Stopwatch.StartNew();
var model = pipeline.Fit(semiSupervised);
Console.WriteLine($"Trained in {clock.Elapsed.TotalSeconds:F0} s.");

var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
Console.WriteLine($"Test error: {(1 - metrics.MicroAccuracy) * 100:F2}% ({Math.Round((1 - metrics.MicroAccuracy) * 10000)} of 10,000 test images)");

ml.Model.Save(model, semiSupervised.Schema, modelPath);
var reloaded = new MLContext().Model.Load(modelPath, out _);
var reloadedMetrics = ml.MulticlassClassification.Evaluate(reloaded.Transform(test));
Console.WriteLine($"Saved {modelPath} ({new FileInfo(modelPath).Length / 1024} KiB); reloaded test error: {(1 - reloadedMetrics.MicroAccuracy) * 100:F2}%");

static Dictionary<string, int> ParseArguments(string[] args)
{
    var values = new Dictionary<string, int>();
    for (int i = 0; i + 1 < args.Length; i++)
    {
        if (args[i].StartsWith("--") && int.TryParse(args[i + 1], out int value))
            values[args[i][2..]] = value;
    }
    return values;
}
