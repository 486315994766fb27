using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>One MNIST row as MnistDataset loads it: the label as a float and 784 pixels in [0, 1].</summary>
internal sealed class Digit
{
    public float Label { get; set; }

    [VectorType(784)]
    public float[] Features { get; set; } = [];
}
