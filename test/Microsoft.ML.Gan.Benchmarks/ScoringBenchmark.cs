using System.Diagnostics;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>
/// Scoring speed on the 10,000 MNIST test images of a model trained in the same run (default options, 100 labels;
/// the speed does not depend on the weights): rows per second through the fitted model's <c>Transform</c> (batched),
/// through the saved and reloaded model.zip's <c>Transform</c> (ML.NET's OnnxTransformer, row by row), the latency of
/// one PredictionEngine call, and raw ONNX Runtime on the same ONNX graph (one batch, and one row per call); and the
/// resident memory over 200 more passes of the fitted model's Transform (native buffers must not accumulate).
/// </summary>
internal static class ScoringBenchmark
{
    private const int SoakPasses = 200;

    public static void Run(int epochs, int threads, string outputDirectory)
    {
        var ml = new MLContext(1);
        var (train, test) = MnistDataset.Load(ml, Repository.DataDirectory);
        var labeled = ml.Data.KeepLabelsPerClass(train, 10, seed: 1);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(labeled);
        var gan = ml.Gan.SemiSupervised(new SemiSupervisedGanTrainer.Options { MaxEpoch = epochs, Seed = 1, NumberOfThreads = threads }).Fit(keys.Transform(labeled));
        var fitted = keys.Append(gan);
        double error = 1 - ml.MulticlassClassification.Evaluate(fitted.Transform(test)).MicroAccuracy;

        string directory = Path.Combine(Path.GetTempPath(), $"mlgan-scoring-{Environment.ProcessId}");
        Directory.CreateDirectory(directory);
        string modelPath = Path.Combine(directory, "model.zip");
        ml.Model.Save(fitted, labeled.Schema, modelPath);
        using var onnx = new MemoryStream();
        gan.SaveOnnx(onnx);
        var loaded = ml.Model.Load(modelPath, out _);
        Directory.Delete(directory, recursive: true);
        var rows = ml.Data.CreateEnumerable<Digit>(test, reuseRowObject: false).ToArray();

        double fittedRate = rows.Length / Best(3, () => Consume(fitted.Transform(test)));
        GC.Collect();
        var memory = new List<double> { ResidentMemory.CurrentMiB };
        for (int i = 1; i <= SoakPasses; i++)
        {
            Consume(fitted.Transform(test));
            if (i % (SoakPasses / 4) == 0)
            {
                GC.Collect();
                memory.Add(ResidentMemory.CurrentMiB);
            }
        }
        double loadedRate = rows.Length / Best(3, () => Consume(loaded.Transform(test)));
        var engine = ml.Model.CreatePredictionEngine<Digit, Prediction>(loaded);
        for (int i = 0; i < 200; i++)
            engine.Predict(rows[i]);
        var latencies = new double[2000];
        for (int i = 0; i < latencies.Length; i++)
        {
            var clock = Stopwatch.StartNew();
            engine.Predict(rows[i % rows.Length]);
            latencies[i] = clock.Elapsed.TotalMicroseconds;
        }
        Array.Sort(latencies);

        using var session = new InferenceSession(onnx.ToArray());
        var all = new DenseTensor<float>(rows.SelectMany(r => r.Features).ToArray(), [rows.Length, 784]);
        double onnxBatched = rows.Length / Best(3, () => { using var _ = session.Run([NamedOnnxValue.CreateFromTensor("Features", all)]); });
        double onnxSingle = rows.Length / Best(1, () =>
        {
            foreach (var row in rows)
            {
                using var _ = session.Run([NamedOnnxValue.CreateFromTensor("Features", new DenseTensor<float>(row.Features, [1, 784]))]);
            }
        });

        string table = $"""
            | path | rows/s | of batched ONNX Runtime | single-row latency (µs, median / p99) |
            |---|---:|---:|---:|
            | ML.NET `model.Transform`, fitted model (256 rows per ONNX Runtime call) | {fittedRate:F0} | {fittedRate / onnxBatched:P0} | |
            | ML.NET `model.Transform`, model.zip loaded by `mlContext.Model.Load` (OnnxTransformer, one row per call) | {loadedRate:F0} | {loadedRate / onnxBatched:P0} | |
            | ML.NET PredictionEngine (loaded model) | {1e6 / latencies[latencies.Length / 2]:F0} | | {latencies[latencies.Length / 2]:F0} / {latencies[(int)(latencies.Length * 0.99)]:F0} |
            | ONNX Runtime, one batch of 10,000 | {onnxBatched:F0} | 100% | |
            | ONNX Runtime, one row per call | {onnxSingle:F0} | {onnxSingle / onnxBatched:P0} | {1e6 / onnxSingle:F0} |
            """;
        string soak = $"Resident memory over {SoakPasses} more passes of the fitted model's Transform over the {rows.Length:N0} rows, every {SoakPasses / 4} passes, each after a full garbage collection: {string.Join(", ", memory.Select(m => m.ToString("F1")))} MiB.";
        Console.WriteLine(table);
        Console.WriteLine(soak);
        File.WriteAllText(Path.Combine(outputDirectory, "scoring.md"), $"""
            # Scoring throughput, MNIST test set

            Command: `dotnet run -c Release --project test/Microsoft.ML.Gan.Benchmarks -- scoring {epochs} {threads}`
            Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.
            Model: the MLP discriminator, default options, 100 labels (KeepLabelsPerClass seed 1), {epochs} epoch(s) on {threads} threads
            in the same run, test error {error * 100:F2}% (the rows below do not depend on the weights). The ONNX Runtime rows
            run the classifier's SaveOnnx graph with default session options.

            {table}
            {soak}
            """);
    }

    /// <summary>Reads every row's Score, which makes a lazy data view do its work.</summary>
    internal static void Consume(IDataView scored)
    {
        var column = scored.Schema["Score"];
        using var cursor = scored.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        var value = default(VBuffer<float>);
        while (cursor.MoveNext())
            getter(ref value);
    }

    private static double Best(int repeats, Action action)
    {
        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return best;
    }

    private sealed class Prediction
    {
        public float[] Score { get; set; } = [];
    }
}
