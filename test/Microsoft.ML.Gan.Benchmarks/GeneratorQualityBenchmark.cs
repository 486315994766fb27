using System.Diagnostics;
using Microsoft.ML.Data;
using SkiaSharp;

namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>
/// Quality of the generator of an MNIST-100 model: Inception score of 10,000 generated digits under a supervised
/// classifier (LbfgsMaximumEntropy on all 60,000 training labels), next to the real test set's own score; the Fréchet
/// distance to the real test set in pixel space (784 features); and MS-SSIM diversity. Writes a grid of samples.
/// </summary>
internal static class GeneratorQualityBenchmark
{
    public static void Run(int epochs, string outputDirectory)
    {
        var ml = new MLContext(1);
        var (train, test) = MnistDataset.Load(ml, Repository.DataDirectory);
        var clock = Stopwatch.StartNew();
        var labeled = ml.Data.KeepLabelsPerClass(train, 10, 1);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(labeled);
        using var gan = ml.Gan.SemiSupervised(new SemiSupervisedGanTrainer.Options { MaxEpoch = epochs, Seed = 1, NumberOfThreads = 2 }).Fit(keys.Transform(labeled));
        double ganSeconds = clock.Elapsed.TotalSeconds;
        var generated = ml.Data.Cache(gan.Generate(10_000, seed: 1));

        clock.Restart();
        var classifier = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy())
            .Fit(train);
        double classifierSeconds = clock.Elapsed.TotalSeconds;
        double classifierError = 1 - ml.MulticlassClassification.Evaluate(classifier.Transform(test)).MicroAccuracy;
        var withLabel = ml.Transforms.CustomMapping<GeneratedDigit, LabelOnly>((_, o) => o.Label = 0, contractName: null).Fit(generated).Transform(generated);

        var realScore = ml.Gan.Metrics.InceptionScore(classifier.Transform(test));
        var generatedScore = ml.Gan.Metrics.InceptionScore(classifier.Transform(withLabel));
        clock.Restart();
        double fid = ml.Gan.Metrics.FrechetDistance(test, generated, "Features");
        double fidSeconds = clock.Elapsed.TotalSeconds;
        double realDiversity = ml.Gan.Metrics.MultiScaleSsimDiversity(test, "Features", 28, 28, pairs: 500, seed: 1);
        double generatedDiversity = ml.Gan.Metrics.MultiScaleSsimDiversity(generated, "Features", 28, 28, pairs: 500, seed: 1);

        string grid = Path.Combine(outputDirectory, $"mnist-samples-{epochs}-epochs.png");
        WriteGrid(ml, generated, grid);
        string table = $"""
            | measure | 10,000 generated digits | the 10,000 real test digits |
            |---|---:|---:|
            | Inception score (10 splits, mean ± std) | {generatedScore.Mean:F2} ± {generatedScore.StandardDeviation:F2} | {realScore.Mean:F2} ± {realScore.StandardDeviation:F2} |
            | Fréchet distance to the real test set, pixel space | {fid:F1} | 0 |
            | MS-SSIM between random pairs (500; lower = more diverse) | {generatedDiversity:F3} | {realDiversity:F3} |
            """;
        Console.WriteLine(table);
        File.WriteAllText(Path.Combine(outputDirectory, "generator-quality.md"), $"""
            # MNIST generator quality

            Command: `dotnet run -c Release --project test/Microsoft.ML.Gan.Benchmarks -- generator-quality {epochs}`
            Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.
            The GAN is the default MNIST-100 setup trained for {epochs} epochs ({ganSeconds:F0} s; the paper trains 300). The Inception
            score's classifier is LbfgsMaximumEntropy on pixels, fit on all 60,000 training labels in {classifierSeconds:F0} s (test error
            {classifierError:P2}), so the score lies between 1 and 10. The Fréchet distance is computed on the 784 pixels, not on
            Inception features ({fidSeconds:F0} s). Feature matching is known to give poor samples (the paper says so); this
            measures them, it does not tune for them.

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
