using Microsoft.ML.Data;
using Microsoft.ML.Gan.Networks;
using Microsoft.ML.Gan.Runtime;
using Microsoft.ML.Gan.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>
/// The network whose layer the FID is computed on: the library's MLP discriminator (the paper's MNIST network,
/// 784-1000-500-250-250-250-10, weight norm, Gaussian noise 0.3 on the input and 0.5 after each hidden layer) trained
/// supervised, cross-entropy over its 10 logits, on every labeled row it is given; no generator is involved. Evaluated
/// with the noise off, it gives each image its class probabilities (softmax of the logits) and the activations of its
/// last hidden layer (250 ReLU units).
/// </summary>
internal sealed class DigitFeatureNetwork : IDisposable
{
    /// <summary>Width of the last hidden layer, the FID features.</summary>
    public const int FeatureSize = 250;

    private const int Pixels = 784;
    private const int Classes = 10;
    private readonly MlpDiscriminator _network;

    private DigitFeatureNetwork(MlpDiscriminator network) => _network = network;

    /// <summary>Trains on every row of <paramref name="labeled"/> (Label 0-9, Features 784 pixels) for <paramref name="epochs"/> epochs of batches of 100, Adam as in the GAN.</summary>
    public static DigitFeatureNetwork Train(MLContext ml, IDataView labeled, int epochs, int seed, int threads)
    {
        TorchBackend.SetThreads(threads);
        var rows = ml.Data.CreateEnumerable<Digit>(labeled, reuseRowObject: false).ToArray();
        using var features = tensor(rows.SelectMany(r => r.Features).ToArray(), [rows.Length, Pixels]);
        using var classes = tensor(rows.Select(r => (long)r.Label).ToArray());
        var random = new Generator((ulong)seed);
        var network = new MlpDiscriminator(Pixels, [1000, 500, 250, 250, 250], Classes, 0.3, 0.5, 0.1, random, new GaussianNoiseSource(seed));
        network.train();
        using (var order = randperm(rows.Length, generator: random))
        using (var first = features.index_select(0, order.narrow(0, 0, 500)))
            network.InitializeFrom(first);
        using var adam = new Adam(network.parameters().Where(p => p.requires_grad), 0.003, 0.5, 0.999);
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            using var order = randperm(rows.Length, generator: random);
            for (long start = 0; start + 100 <= rows.Length; start += 100)
            {
                using var scope = NewDisposeScope();
                var batch = order.narrow(0, start, 100);
                var loss = SemiSupervisedLoss.Supervised(network.Logits(features.index_select(0, batch), null), classes.index_select(0, batch));
                adam.ZeroGrad();
                loss.backward();
                adam.Step();
            }
        }
        network.eval();
        return new DigitFeatureNetwork(network);
    }

    /// <summary>
    /// Each image of <paramref name="images"/> (Features: 784 pixels) as "Score" (the 10 class probabilities) and "Hidden"
    /// (the last hidden layer's 250 activations), in an in-memory view.
    /// </summary>
    public IDataView Transform(MLContext ml, IDataView images)
    {
        var pixels = ml.Data.CreateEnumerable<PixelRow>(images, reuseRowObject: false).Select(r => r.Features).ToArray();
        var result = new List<LayerRow>(pixels.Length);
        using var _ = no_grad();
        for (int start = 0; start < pixels.Length; start += 1000)
        {
            using var scope = NewDisposeScope();
            int count = Math.Min(1000, pixels.Length - start);
            var input = tensor(pixels.Skip(start).Take(count).SelectMany(p => p).ToArray(), [count, Pixels]);
            var score = _network.Logits(input, null).softmax(1).contiguous().data<float>().ToArray();
            var hidden = _network.Features(input).contiguous().data<float>().ToArray();
            for (int i = 0; i < count; i++)
                result.Add(new LayerRow { Score = score[(i * Classes)..((i + 1) * Classes)], Hidden = hidden[(i * FeatureSize)..((i + 1) * FeatureSize)] });
        }
        return ml.Data.LoadFromEnumerable(result);
    }

    /// <summary>Fraction of the rows of <paramref name="labeled"/> whose most probable class is not their label.</summary>
    public double Error(MLContext ml, IDataView labeled)
    {
        var labels = ml.Data.CreateEnumerable<Digit>(labeled, reuseRowObject: false).Select(r => (int)r.Label).ToArray();
        var scores = ml.Data.CreateEnumerable<LayerRow>(Transform(ml, labeled), reuseRowObject: false).Select(r => r.Score).ToArray();
        return (double)labels.Where((label, i) => Array.IndexOf(scores[i], scores[i].Max()) != label).Count() / labels.Length;
    }

    public void Dispose() => _network.Dispose();

    private sealed class PixelRow
    {
        [VectorType(Pixels)]
        public float[] Features { get; set; } = [];
    }

    private sealed class LayerRow
    {
        [VectorType(Classes)]
        public float[] Score { get; set; } = [];

        [VectorType(FeatureSize)]
        public float[] Hidden { get; set; } = [];
    }
}
