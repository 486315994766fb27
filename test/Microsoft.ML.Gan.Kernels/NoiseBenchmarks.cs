using BenchmarkDotNet.Attributes;
using Microsoft.ML.Gan.Networks;

namespace Microsoft.ML.Gan.Kernels;

/// <summary>
/// One fill of the discriminator's Gaussian noise for a 300-row batch (a discriminator step's labeled, unlabeled and
/// generated rows) at the input's width (784) and the first hidden layer's (1000), on one thread and split over two;
/// each call is a new draw.
/// </summary>
[Config(typeof(KernelConfig))]
[MedianColumn]
public class NoiseBenchmarks
{
    private const int Rows = 300;
    private readonly GaussianNoiseSource _source = new(1);
    private float[] _values = [];
    private long _draw;

    [Params(784, 1000)]
    public int Width { get; set; }

    [Params(1, 2)]
    public int Workers { get; set; }

    [GlobalSetup]
    public void Setup() => _values = new float[Rows * Width];

    [Benchmark]
    public void Fill() => _source.Fill(_values, _draw++, Workers);
}
