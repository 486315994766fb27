using BenchmarkDotNet.Attributes;
using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Kernels;

/// <summary>
/// Scoring one batch of 100 rows through a fitted model's <c>Transform</c> (one batched ONNX Runtime call, as the fitted
/// transformer scores), with the discriminator at the paper's MNIST sizes trained for one epoch on 1,000 random rows.
/// </summary>
[Config(typeof(KernelConfig))]
public class ScoringBatchBenchmarks
{
    private const int Rows = 100;
    private MLContext _ml = null!;
    private ITransformer _model = null!;
    private IDataView _batch = null!;

    private sealed class Row
    {
        [VectorType(784)]
        public float[] Features { get; set; } = [];

        public float Label { get; set; }
    }

    [GlobalSetup]
    public void Setup()
    {
        _ml = new MLContext(1);
        var random = new Random(1);
        Row NewRow(int i) => new()
        {
            Features = Enumerable.Range(0, 784).Select(_ => (float)random.NextDouble()).ToArray(),
            Label = i < 100 ? i % 10 : float.NaN,
        };
        var train = _ml.Data.LoadFromEnumerable(Enumerable.Range(0, 1000).Select(NewRow).ToArray());
        var pipeline = _ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(_ml.Gan.SemiSupervised(new SemiSupervisedGanTrainer.Options { MaxEpoch = 1, Seed = 1 }));
        _model = pipeline.Fit(train);
        _batch = _ml.Data.LoadFromEnumerable(Enumerable.Range(0, Rows).Select(NewRow).ToArray());
    }

    [Benchmark]
    public float TransformBatch()
    {
        var scored = _model.Transform(_batch);
        var column = scored.Schema["Score"];
        using var cursor = scored.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        var score = default(VBuffer<float>);
        float sum = 0;
        while (cursor.MoveNext())
        {
            getter(ref score);
            sum += score.GetValues()[0];
        }
        return sum;
    }
}
