using Microsoft.ML.Gan.Runtime;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// The products of the discriminator's training passes and of the generator's output layer (<see cref="TrainingLogits"/>,
/// <see cref="FrozenFeatures"/>): for
/// two bfloat16 matrices, summed in float32. Where MKL's bfloat16 GEMM runs its native code
/// (<c>cblas_gemm_bf16bf16f32</c> from the MKL that libtorch bundles, on a CPU with bfloat16 instructions whose vendor is
/// Intel or with <see cref="MklFastPath"/> on), the product comes from it in float32 into a new tensor: faster than
/// libtorch's bfloat16 <c>matmul</c> at the discriminator's shapes, and without that result's rounding to bfloat16.
/// Elsewhere, and for float32 matrices, it is libtorch's <c>matmul</c> (a bfloat16 result for bfloat16 matrices).
/// </summary>
internal static unsafe class BFloat16Product
{
    private const int RowMajor = 101, NoTranspose = 111, Transpose = 112;

    private static readonly Lazy<nint> Gemm = new(() => LibtorchExports.Find("cblas_gemm_bf16bf16f32"));
    private static readonly Lazy<bool> MklRunsNativeCode = new(() => Gemm.Value != 0 && BFloat16Support.IsNative == true
        && (MklFastPath.Enable() == MklFastPathState.Enabled || MklFastPath.CpuVendor() == "GenuineIntel"));
    private static bool _libtorchOnly;

    /// <summary>Whether products come from MKL's bfloat16 GEMM in float32 (true) or from libtorch's <c>matmul</c> in bfloat16.</summary>
    public static bool UsesMkl => !_libtorchOnly && MklRunsNativeCode.Value;

    /// <summary>
    /// op(<paramref name="a"/>) op(<paramref name="b"/>) for two bfloat16 or two float32 matrices on the CPU, op
    /// transposing where asked: float32, except for bfloat16 matrices where <see cref="UsesMkl"/> is false (bfloat16).
    /// </summary>
    public static Tensor Of(Tensor a, bool transposeA, Tensor b, bool transposeB)
    {
        long m = a.shape[transposeA ? 1 : 0], k = a.shape[transposeA ? 0 : 1], n = b.shape[transposeB ? 0 : 1];
        if (b.shape[transposeB ? 1 : 0] != k)
            throw new ArgumentException($"Cannot multiply [{string.Join(", ", a.shape)}]{(transposeA ? "^T" : "")} by [{string.Join(", ", b.shape)}]{(transposeB ? "^T" : "")}.");
        if (!UsesMkl || a.dtype != ScalarType.BFloat16 || b.dtype != ScalarType.BFloat16)
        {
            using var left = transposeA ? a.t() : a.alias();
            using var right = transposeB ? b.t() : b.alias();
            return left.matmul(right);
        }
        using var first = a.contiguous();
        using var second = b.contiguous();
        var result = empty(m, n);
        ((delegate* unmanaged<int, int, int, int, int, int, float, ushort*, int, ushort*, int, float, float*, int, void>)Gemm.Value)(
            RowMajor, transposeA ? Transpose : NoTranspose, transposeB ? Transpose : NoTranspose, checked((int)m), checked((int)n), checked((int)k),
            1f, TensorMemory.Address<ushort>(first), checked((int)a.shape[1]), TensorMemory.Address<ushort>(second), checked((int)b.shape[1]),
            0f, TensorMemory.Address<float>(result), checked((int)n));
        return result;
    }

    /// <summary>One sentence for the log of a run that multiplies in bfloat16: where its training products come from.</summary>
    public static string Describe() => UsesMkl
        ? "The bfloat16 training products of the discriminator and of the generator's output layer come from MKL's bfloat16 GEMM, summed and kept in float32."
        : "The bfloat16 training products of the discriminator and of the generator's output layer come from libtorch's matmul, rounded to bfloat16 (MKL's bfloat16 GEMM needs bfloat16 instructions and MKL's native code path: an Intel CPU, or the MKL fast path on AMD).";

    /// <summary>Makes <see cref="Of"/> use libtorch's <c>matmul</c> until the scope is disposed (for comparisons with the modules' operations).</summary>
    internal static LibtorchScope LibtorchOnly()
    {
        bool before = _libtorchOnly;
        _libtorchOnly = true;
        return new LibtorchScope(before);
    }

    internal readonly struct LibtorchScope(bool before) : IDisposable
    {
        public void Dispose() => _libtorchOnly = before;
    }
}
