using System.Diagnostics;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using SkiaSharp;

namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>
/// Quality of the generator of an MNIST-100 model: 10,000 generated digits against the real test set, next to 10,000 real
/// training digits as the reference a perfect generator would reach. Inception scores under two classifiers trained on all
/// 60,000 training labels (LbfgsMaximumEntropy on pixels, and the MLP of <see cref="DigitFeatureNetwork"/>); FID on that
/// MLP's last hidden layer and the Fréchet distance in pixel space; MS-SSIM diversity. Writes a grid of samples.
/// </summary>
internal static class GeneratorQualityBenchmark
{
    public static void Run(int epochs, int threads, int featureEpochs, string outputDirectory)
    {
        var ml = new MLContext(1);
        var (train, test) = MnistDataset.Load(ml, Repository.DataDirectory);
        var realTrain = ml.Data.Cache(ml.Data.TakeRows(train, 10_000));
        var clock = Stopwatch.StartNew();
        var classifier = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options { NumberOfThreads = threads }))
            .Fit(train);
        double classifierSeconds = clock.Elapsed.TotalSeconds;
        double classifierError = 1 - ml.MulticlassClassification.Evaluate(classifier.Transform(test)).MicroAccuracy;

        clock.Restart();
        using var network = DigitFeatureNetwork.Train(ml, train, featureEpochs, seed: 1, threads);
        double networkSeconds = clock.Elapsed.TotalSeconds;
        double networkError = network.Error(ml, test);
        Console.WriteLine($"Classifiers on all 60,000 labels: LbfgsMaximumEntropy {classifierError:P2} test error ({classifierSeconds:F0} s), MLP network {networkError:P2} ({networkSeconds:F0} s)");

        clock.Restart();
        var labeled = ml.Data.KeepLabelsPerClass(train, 10, 1);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(labeled);
        using var gan = ml.Gan.SemiSupervised(new SemiSupervisedGanTrainer.Options { MaxEpoch = epochs, Seed = 1, NumberOfThreads = threads }).Fit(keys.Transform(labeled));
        double ganSeconds = clock.Elapsed.TotalSeconds;
        var generated = ml.Data.Cache(gan.Generate(10_000, seed: 1));

        var withLabel = ml.Transforms.CustomMapping<GeneratedDigit, LabelOnly>((_, o) => o.Label = 0, contractName: null).Fit(generated).Transform(generated);
        var realScore = ml.Gan.Metrics.InceptionScore(classifier.Transform(test));
        var trainScore = ml.Gan.Metrics.InceptionScore(classifier.Transform(realTrain));
        var generatedScore = ml.Gan.Metrics.InceptionScore(classifier.Transform(withLabel));

        var (networkTest, networkTrain, networkGenerated) = (network.Transform(ml, test), network.Transform(ml, realTrain), network.Transform(ml, generated));
        var networkRealScore = ml.Gan.Metrics.InceptionScore(networkTest);
        var networkTrainScore = ml.Gan.Metrics.InceptionScore(networkTrain);
        var networkGeneratedScore = ml.Gan.Metrics.InceptionScore(networkGenerated);
        double fid = ml.Gan.Metrics.FrechetDistance(networkTest, networkGenerated, "Hidden");
        double trainFid = ml.Gan.Metrics.FrechetDistance(networkTest, networkTrain, "Hidden");

        clock.Restart();
        double pixelDistance = ml.Gan.Metrics.FrechetDistance(test, generated, "Features");
        double pixelSeconds = clock.Elapsed.TotalSeconds;
        double trainPixelDistance = ml.Gan.Metrics.FrechetDistance(test, realTrain, "Features");
        double realDiversity = ml.Gan.Metrics.MultiScaleSsimDiversity(test, "Features", 28, 28, pairs: 500, seed: 1);
        double trainDiversity = ml.Gan.Metrics.MultiScaleSsimDiversity(realTrain, "Features", 28, 28, pairs: 500, seed: 1);
        double generatedDiversity = ml.Gan.Metrics.MultiScaleSsimDiversity(generated, "Features", 28, 28, pairs: 500, seed: 1);

        string grid = Path.Combine(outputDirectory, $"mnist-samples-{epochs}-epochs.png");
        WriteGrid(ml, generated, grid);
        string table = $"""
            | measure | 10,000 generated digits | 10,000 real training digits (the first) | the 10,000 real test digits |
            |---|---:|---:|---:|
            | Inception score, LbfgsMaximumEntropy (10 splits, mean ± std) | {generatedScore.Mean:F2} ± {generatedScore.StandardDeviation:F2} | {trainScore.Mean:F2} ± {trainScore.StandardDeviation:F2} | {realScore.Mean:F2} ± {realScore.StandardDeviation:F2} |
            | Inception score, MLP network (10 splits, mean ± std) | {networkGeneratedScore.Mean:F2} ± {networkGeneratedScore.StandardDeviation:F2} | {networkTrainScore.Mean:F2} ± {networkTrainScore.StandardDeviation:F2} | {networkRealScore.Mean:F2} ± {networkRealScore.StandardDeviation:F2} |
            | FID to the real test set, MLP network's last hidden layer ({DigitFeatureNetwork.FeatureSize} features) | {fid:F2} | {trainFid:F2} | 0 |
            | Fréchet distance to the real test set, pixel space (784 features) | {pixelDistance:F1} | {trainPixelDistance:F1} | 0 |
            | MS-SSIM between random pairs (500; lower = more diverse) | {generatedDiversity:F3} | {trainDiversity:F3} | {realDiversity:F3} |
            """;
        Console.WriteLine(table);
        File.WriteAllText(Path.Combine(outputDirectory, "generator-quality.md"), $"""
            # MNIST generator quality

            Command: `dotnet run -c Release --project test/Microsoft.ML.Gan.Benchmarks -- generator-quality {epochs} {threads} {featureEpochs}`
            Machine: {Environment.ProcessorCount} cores, {threads} torch thread(s), {Environment.OSVersion}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.
            The GAN is the default MNIST-100 setup (10 labels per class, seed 1) trained for {epochs} epochs ({ganSeconds:F0} s; the paper
            trains 300); its generator draws the 10,000 digits with seed 1. The real reference is the first 10,000 training images,
            against the 10,000 test images: what a generator that reproduced the data would score.

            Two classifiers, both fit on all 60,000 training labels, give the Inception score's p(y|x) (so it lies between 1 and 10):
            LbfgsMaximumEntropy on pixels ({classifierSeconds:F0} s, test error {classifierError:P2}), and the library's MLP discriminator
            network (784-1000-500-250-250-250-10, weight norm; Gaussian noise 0.3 on the input and 0.5 after each hidden layer in training,
            off in evaluation) trained supervised for {featureEpochs} epochs of batches of 100 with cross-entropy over its 10 logits and
            Adam (learning rate 0.003, beta1 0.5), seed 1, no generator involved ({networkSeconds:F0} s, test error {networkError:P2}).
            The FID is the Fréchet distance between Gaussians fitted to that network's last hidden layer (the {DigitFeatureNetwork.FeatureSize}
            ReLU activations before the output layer), in place of the Inception network's pool layer, so its values are not
            comparable with published FIDs. The network saw the 10,000 real training digits in training and not the test digits, so
            the real-vs-real value includes its generalisation gap. The pixel-space distance uses the 784 pixels ({pixelSeconds:F0} s).
            Feature matching is known to give poor samples (the paper says so); this measures them, it does not tune for them.

            {table}

            Samples: ![samples]({Path.GetFileName(grid)})
            """);
        Console.WriteLine($"Wrote {Path.Combine(outputDirectory, "generator-quality.md")} and {grid}");
    }

    private static void WriteGrid(MLContext ml, IDataView generated, string path)
    {
        var rows = ml.Data.CreateEnumerable<GeneratedDigit>(ml.Data.TakeRows(generated, 100), reuseRowObject: false).ToArray();
        using var bitmap = new SKBitmap(10 * 30, 10 * 30);
        bitmap.Erase(SKColors.White);
        for (int s = 0; s < rows.Length; s++)
        {
            for (int y = 0; y < 28; y++)
            {
                for (int x = 0; x < 28; x++)
                {
                    byte level = (byte)Math.Clamp(rows[s].Features[y * 28 + x] * 255, 0, 255);
                    bitmap.SetPixel(s % 10 * 30 + 1 + x, s / 10 * 30 + 1 + y, new SKColor(level, level, level));
                }
            }
        }
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        png.SaveTo(file);
    }

    private sealed class GeneratedDigit
    {
        [VectorType(784)]
        public float[] Features { get; set; } = [];
    }

    private sealed class LabelOnly
    {
        public float Label { get; set; }
    }
}
