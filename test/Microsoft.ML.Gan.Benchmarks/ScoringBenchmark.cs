using System.Diagnostics;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>
/// Scoring speed of a saved model.zip (and the ONNX file SaveOnnx wrote beside it) on the 10,000 MNIST test images: rows per second through
/// <c>model.Transform</c>, the latency of one PredictionEngine call, and raw ONNX Runtime on the same
/// ONNX graph (batched and single row) for comparison.
/// </summary>
internal static class ScoringBenchmark
{
    public static void Run(string modelPath, string outputDirectory)
    {
        var ml = new MLContext(1);
        var (_, test) = MnistDataset.Load(ml, Repository.DataDirectory);
        var model = ml.Model.Load(modelPath, out _);
        var rows = ml.Data.CreateEnumerable<Digit>(test, reuseRowObject: false).ToArray();

        double transformRate = rows.Length / Best(3, () => Consume(model.Transform(test)));
        var engine = ml.Model.CreatePredictionEngine<Digit, Prediction>(model);
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

        using var session = new InferenceSession(Path.ChangeExtension(modelPath, ".onnx"));
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
            | path | rows/s | single-row latency (µs, median / p99) |
            |---|---:|---:|
            | ML.NET `model.Transform` (10,000 rows) | {transformRate:F0} | |
            | ML.NET PredictionEngine | {1e6 / latencies[latencies.Length / 2]:F0} | {latencies[latencies.Length / 2]:F0} / {latencies[(int)(latencies.Length * 0.99)]:F0} |
            | ONNX Runtime, one batch of 10,000 | {onnxBatched:F0} | |
            | ONNX Runtime, one row per call | {onnxSingle:F0} | {1e6 / onnxSingle:F0} |
            """;
        Console.WriteLine(table);
        File.WriteAllText(Path.Combine(outputDirectory, "scoring.md"), $"""
            # Scoring throughput, MNIST test set

            Command: `dotnet run -c Release --project test/Microsoft.ML.Gan.Benchmarks -- scoring [model.zip]`
            Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, {DateTime.UtcNow:yyyy-MM-dd}. The ONNX Runtime rows run the
            same classifier exported by SaveOnnx beside the model (`{Path.GetFileName(Path.ChangeExtension(modelPath, ".onnx"))}`).

            {table}
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
