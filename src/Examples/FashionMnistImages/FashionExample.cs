using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Gan;
using Microsoft.ML.Transforms.Image;

namespace FashionMnistImages;

/// <summary>
/// Fashion-MNIST as a folder of PNG files and a CSV file where only a few images have a label; trains the semi-supervised
/// GAN through ML.NET's image pipeline, evaluates it against a supervised ML.NET trainer on the same labels, saves
/// model.zip and predicts one new image with the model reloaded in a fresh MLContext.
/// </summary>
internal static class FashionExample
{
    public static FashionResult Run(FashionSettings settings, TextWriter log)
    {
        string Idx(string name)
        {
            string path = Path.Combine(settings.DataDirectory, name);
            return File.Exists(path) ? path : throw new FileNotFoundException(
                $"Fashion-MNIST file '{path}' not found. Install the Debian package: sudo apt-get install dataset-fashion-mnist "
                + $"(bash build/setup.sh does), or pass --data with a folder holding the IDX .gz files.", path);
        }

        var ml = new MLContext(settings.Seed);
        string root = Path.GetFullPath(settings.OutputDirectory);
        var clock = Stopwatch.StartNew();
        var train = PngFolder.Write(ml, Idx("train-images-idx3-ubyte.gz"), Idx("train-labels-idx1-ubyte.gz"), settings.TrainRows, Path.Combine(root, "train"));
        var test = PngFolder.Write(ml, Idx("t10k-images-idx3-ubyte.gz"), Idx("t10k-labels-idx1-ubyte.gz"), settings.TestRows, Path.Combine(root, "test"));
        var labeled = LabeledSubset(train, settings.Labels, settings.Seed);
        string trainCsv = WriteCsv(Path.Combine(root, "train.csv"), "train", train, labeled.Contains);
        string testCsv = WriteCsv(Path.Combine(root, "test.csv"), "test", test, _ => true);
        log.WriteLine($"Wrote {train.Count} training and {test.Count} test images as PNG files under {root} ({clock.Elapsed.TotalSeconds:F0} s); "
            + $"{labeled.Count} training images keep their label in train.csv.");

        var trainData = ml.Data.LoadFromTextFile<ImageRow>(trainCsv, separatorChar: ',', hasHeader: true);
        var testData = ml.Data.LoadFromTextFile<ImageRow>(testCsv, separatorChar: ',', hasHeader: true);
        var options = new SemiSupervisedGanTrainer.Options
        {
            MaxEpoch = settings.Epochs,
            Seed = settings.Seed,
            Architecture = settings.Architecture,
            Progress = new EpochLog(log),
        };
        var pipeline = Pixels(ml, root)
            .Append(ml.Transforms.Conversion.MapValueToKey("Label"))
            .Append(ml.Gan.SemiSupervised(options))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        log.WriteLine($"Training the semi-supervised GAN for {settings.Epochs} epochs ...");
        clock.Restart();
        using var model = pipeline.Fit(trainData);
        double ganError = 1 - ml.MulticlassClassification.Evaluate(model.Transform(testData)).MicroAccuracy;
        log.WriteLine($"Semi-supervised GAN: test error {ganError:P2} on {test.Count} test images (trained in {clock.Elapsed.TotalSeconds:F0} s).");

        var labeledOnly = ml.Data.LoadFromEnumerable(ml.Data.CreateEnumerable<ImageRow>(trainData, reuseRowObject: false).Where(r => r.Label.Length > 0).ToList());
        var baseline = Pixels(ml, root)
            .Append(ml.Transforms.Conversion.MapValueToKey("Label"))
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy())
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"))
            .Fit(labeledOnly);
        double baselineError = 1 - ml.MulticlassClassification.Evaluate(baseline.Transform(testData)).MicroAccuracy;
        log.WriteLine($"LbfgsMaximumEntropy on the {labeled.Count} labeled images only: test error {baselineError:P2}.");

        string modelPath = Path.Combine(root, "model.zip");
        ml.Model.Save(model, trainData.Schema, modelPath);
        var (newImage, trueClass) = (Path.Combine(root, "test", test[0].File), FashionClasses.Names[test[0].Class]);
        var fresh = new MLContext();
        var loaded = fresh.Model.Load(modelPath, out _);
        using var engine = fresh.Model.CreatePredictionEngine<ImageRow, FashionPrediction>(loaded);
        var prediction = engine.Predict(new ImageRow { ImagePath = newImage });
        log.WriteLine($"Saved {modelPath}; reloaded in a fresh MLContext, it calls {newImage} '{prediction.PredictedLabel}' "
            + $"(probability {prediction.Score.Max():P0}; it is a '{trueClass}').");
        (loaded as IDisposable)?.Dispose();
        return new FashionResult(ganError, baselineError, newImage, prediction.PredictedLabel, trueClass);
    }

    /// <summary>Image file to pixels: LoadImages, ResizeImages to 28x28, ConvertToGrayscale, ExtractPixels scaled to [0, 1] as "Features".</summary>
    private static IEstimator<ITransformer> Pixels(MLContext ml, string imageFolder) =>
        ml.Transforms.LoadImages("Image", imageFolder, nameof(ImageRow.ImagePath))
            .Append(ml.Transforms.ResizeImages("Image", PngFolder.Side, PngFolder.Side))
            .Append(ml.Transforms.ConvertToGrayscale("Image"))
            .Append(ml.Transforms.ExtractPixels("Features", "Image", ImagePixelExtractingEstimator.ColorBits.Red, scaleImage: 1f / 255))
            .Append(ml.Transforms.DropColumns("Image"));

    /// <summary>Indices of <paramref name="count"/> images chosen at random, count / 10 per class (the first count % 10 classes one more).</summary>
    private static HashSet<int> LabeledSubset(IReadOnlyList<(string File, int Class)> images, int count, int seed)
    {
        int classes = FashionClasses.Names.Length;
        var wanted = Enumerable.Range(0, classes).Select(k => count / classes + (k < count % classes ? 1 : 0)).ToArray();
        int[] order = Enumerable.Range(0, images.Count).ToArray();
        new Random(seed).Shuffle(order);
        var chosen = new HashSet<int>();
        foreach (int i in order)
        {
            if (wanted[images[i].Class] == 0)
                continue;
            wanted[images[i].Class]--;
            chosen.Add(i);
        }
        return chosen;
    }

    /// <summary>A CSV file "ImagePath,Label" with paths relative to the output folder and class names, empty where <paramref name="keepLabel"/> is false.</summary>
    private static string WriteCsv(string path, string folder, IReadOnlyList<(string File, int Class)> images, Func<int, bool> keepLabel)
    {
        File.WriteAllLines(path, images.Select((image, i) => $"{folder}/{image.File},{(keepLabel(i) ? FashionClasses.Names[image.Class] : "")}").Prepend("ImagePath,Label"));
        return path;
    }
}
