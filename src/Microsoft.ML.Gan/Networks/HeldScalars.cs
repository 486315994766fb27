using System.Reflection;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// Scalars that stay reachable while libtorch reads them. A temporary Scalar (an implicit conversion from a number, or one
/// TorchSharp makes inside add(Tensor), normal, arange or softplus) passes only its handle to native code, so a garbage
/// collection during the native call can run its finalizer and free the at::Scalar while libtorch still reads it (the
/// finalizer race behind the crashes in <see cref="EuclideanNorm"/>). Constants live here for the whole process; values
/// that belong to an object are Scalar fields disposed with it, and values that change per call are <c>using</c> locals.
/// A Tensor made implicitly from a number (lerp_'s weight) has the same race and is held the same way.
/// </summary>
internal static class HeldScalars
{
    /// <summary>The integer 1: the alpha TorchSharp's add(Tensor), add_(Tensor) and add(Scalar) pass, and arange's step.</summary>
    public static readonly Scalar One = 1.ToScalar();

    /// <summary>The integer 0: arange's start.</summary>
    public static readonly Scalar Zero = 0.ToScalar();

    /// <summary>The integer exponent of pow(2).</summary>
    public static readonly Scalar Two = 2.ToScalar();

    private static readonly Scalar SoftplusBeta = 1.0.ToScalar();
    private static readonly Scalar SoftplusThreshold = 20.0.ToScalar();

    /// <summary>
    /// TorchSharp's Tensor.softplus(double, double) converts both to temporary Scalars for its private softplus1(Scalar,
    /// Scalar), which has no public counterpart; this calls that method with held Scalars.
    /// </summary>
    private static readonly Func<Tensor, Scalar, Scalar, Tensor> ScalarSoftplus =
        (typeof(Tensor).GetMethod("softplus1", BindingFlags.Instance | BindingFlags.NonPublic, [typeof(Scalar), typeof(Scalar)])
            ?? throw new MissingMethodException(typeof(Tensor).FullName, "softplus1(Scalar, Scalar)"))
        .CreateDelegate<Func<Tensor, Scalar, Scalar, Tensor>>();

    /// <summary>nn.functional.softplus(x): log(1 + exp(x)) with beta 1 and threshold 20, the same native call.</summary>
    public static Tensor Softplus(Tensor x) => ScalarSoftplus(x, SoftplusBeta, SoftplusThreshold);

    /// <summary>torch.normal(mean, std, size): randn(size) * std + mean, the same operations with held Scalars.</summary>
    public static Tensor Normal(double mean, double std, ReadOnlySpan<long> size, RandomGenerator random)
    {
        using var scale = std.ToScalar();
        using var shift = mean.ToScalar();
        return randn(size, generator: random).mul_(scale).add_(shift, One);
    }

    /// <summary>torch.arange(stop): 0, 1, ..., stop - 1.</summary>
    public static Tensor Arange(int stop)
    {
        using var end = stop.ToScalar();
        return arange(Zero, end, One);
    }
}
