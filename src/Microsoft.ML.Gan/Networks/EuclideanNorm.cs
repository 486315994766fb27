using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// The Euclidean norm of a weight-normalised layer's direction v over some dimensions, as sqrt(sum(v * v)).
/// TorchSharp's linalg.vector_norm builds its order argument as a temporary Scalar that the garbage collector may finalize
/// while libtorch still reads it (seen as a crash, "Expected false to be true" in Scalar::toDouble, or a segmentation
/// fault, once or twice in a few hundred tabular fits); this form passes no Scalar to native code.
/// </summary>
internal static class EuclideanNorm
{
    /// <summary>||v|| over <paramref name="dimensions"/>, those dimensions removed.</summary>
    public static Tensor Over(Tensor v, params long[] dimensions)
    {
        using var square = v.mul(v);
        using var sum = square.sum(dimensions);
        return sum.sqrt();
    }
}
