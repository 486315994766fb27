// Fashion-MNIST as PNG files with only a few labels: writes the images into a folder, a CSV file naming each image
// and its class (empty for unlabeled images), trains the semi-supervised GAN through ML.NET's image pipeline
// (LoadImages -> ResizeImages -> ConvertToGrayscale -> ExtractPixels -> MapValueToKey -> Gan.SemiSupervised),
// evaluates it on the test images against LbfgsMaximumEntropy trained on the labeled images only, saves model.zip and
// predicts the class of one new image with the model reloaded in a fresh MLContext.
//
//   dotnet run -c Release --project src/Examples/FashionMnistImages -- [--epochs 5] [--labels 100] [--train-rows 10000]
//       [--test-rows 10000] [--seed 1] [--architecture Mlp|Convolutional] [--data /usr/share/datasets/fashion-mnist]
//       [--output fashion-png]
using System.CommandLine;
using FashionMnistImages;
using Microsoft.ML.Gan;

var defaults = new FashionSettings();
var epochs = new Option<int>("--epochs") { Description = "Training epochs.", DefaultValueFactory = _ => defaults.Epochs };
var labels = new Option<int>("--labels") { Description = "Training images that keep their label (spread over the 10 classes).", DefaultValueFactory = _ => defaults.Labels };
var trainRows = new Option<int>("--train-rows") { Description = "Training images used, of 60,000.", DefaultValueFactory = _ => defaults.TrainRows };
var testRows = new Option<int>("--test-rows") { Description = "Test images evaluated, of 10,000.", DefaultValueFactory = _ => defaults.TestRows };
var seed = new Option<int>("--seed") { Description = "Seed of the labeled subset and of training.", DefaultValueFactory = _ => defaults.Seed };
var architecture = new Option<GanArchitecture>("--architecture") { Description = "The GAN's networks: Mlp or Convolutional.", DefaultValueFactory = _ => defaults.Architecture };
var data = new Option<string>("--data") { Description = "Folder of the Fashion-MNIST IDX .gz files.", DefaultValueFactory = _ => defaults.DataDirectory };
var output = new Option<string>("--output") { Description = "Folder for the PNG files, the CSV files and model.zip.", DefaultValueFactory = _ => defaults.OutputDirectory };
var root = new RootCommand("Semi-supervised GAN on Fashion-MNIST images with few labels, through ML.NET's image pipeline.")
{
    epochs, labels, trainRows, testRows, seed, architecture, data, output,
};
root.SetAction(parsed =>
{
    var settings = new FashionSettings
    {
        Epochs = parsed.GetValue(epochs),
        Labels = parsed.GetValue(labels),
        TrainRows = parsed.GetValue(trainRows),
        TestRows = parsed.GetValue(testRows),
        Seed = parsed.GetValue(seed),
        Architecture = parsed.GetValue(architecture),
        DataDirectory = parsed.GetValue(data)!,
        OutputDirectory = parsed.GetValue(output)!,
    };
    var result = FashionExample.Run(settings, Console.Out);
    Console.WriteLine($"Test error: semi-supervised GAN {result.GanTestError:P2}, LbfgsMaximumEntropy on the same {settings.Labels} labels {result.BaselineTestError:P2}.");
});
return root.Parse(args).Invoke();
