// A first application on the Microsoft.ML.Gan package: trains a semi-supervised GAN on a small MNIST subset
// (the first 2,000 training images, 10 labels per class), prints the test accuracy on the first 1,000 test images,
// saves model.zip, loads it in a fresh MLContext, and predicts one image.
//
//   dotnet run -c Release -- [DATA_DIR (default: $MLGAN_DATA_DIR, then ./data)] [MODEL_PATH (default: model.zip)]
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Gan;

string? dataDirectory = args.Length > 0 ? args[0] : null;
string modelPath = Path.GetFullPath(args.Length > 1 ? args[1] : "model.zip");

var ml = new MLContext(seed: 1);
var (train, test) = MnistDataset.Load(ml, dataDirectory);
var trainRows = ml.Data.KeepLabelsPerClass(ml.Data.TakeRows(train, 2000), labelsPerClass: 10, seed: 1);
var testRows = ml.Data.TakeRows(test, 1000);

var options = new SemiSupervisedGanTrainer.Options
{
    MaxEpoch = 8,
    Seed = 1,
    DiscriminatorHiddenSizes = [250, 250],
    GeneratorHiddenSizes = [250],
    NumberOfThreads = 1,
};
var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
    .Append(ml.Gan.SemiSupervised(options))
    .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
var model = pipeline.Fit(trainRows);
double accuracy = ml.MulticlassClassification.Evaluate(model.Transform(testRows)).MicroAccuracy;
Console.WriteLine($"Test accuracy: {accuracy:F4} on 1000 images (100 labels, 2000 training images, {options.MaxEpoch} epochs)");

ml.Model.Save(model, trainRows.Schema, modelPath);
var loaded = new MLContext().Model.Load(modelPath, out _);
double reloadedAccuracy = ml.MulticlassClassification.Evaluate(loaded.Transform(testRows)).MicroAccuracy;
Console.WriteLine($"Reloaded {Path.GetFileName(modelPath)}: test accuracy {reloadedAccuracy:F4}");

var engine = ml.Model.CreatePredictionEngine<Digit, DigitPrediction>(loaded);
var first = ml.Data.CreateEnumerable<Digit>(testRows, reuseRowObject: false).First();
Console.WriteLine($"Predicted: {engine.Predict(first).PredictedLabel} (true {first.Label})");

/// <summary>An MNIST row: the digit and 784 pixels in [0, 1].</summary>
internal sealed class Digit
{
    public float Label { get; set; }

    [VectorType(784)]
    public float[] Features { get; set; } = [];
}

/// <summary>The model's answer for one row.</summary>
internal sealed class DigitPrediction
{
    public float PredictedLabel { get; set; }
}
