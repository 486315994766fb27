using System.Runtime.Intrinsics;
using Microsoft.ML.Gan.Runtime;
using TorchSharp;
using static Microsoft.ML.Gan.Networks.BFloat16Rounding;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// What a step makes of a dense layer's direction v [outputs, inputs], read from memory once: the folded weight
/// g * v / ||v|| (float32 or bfloat16), or v in bfloat16 with its norms. Rows go in chunks small enough to stay in the
/// core's cache between their sums of squares (<see cref="EuclideanNorm.RowSquareSum"/>, libtorch's order) and their
/// second reading. The square roots are MKL's as libtorch takes them (<see cref="MklVectorMath"/>), g / ||v|| is one
/// float32 division, the fold one multiply, and casts round as libtorch's (<see cref="BFloat16Rounding"/>), so every value
/// is that of libtorch's operations to the bit. An optimiser writes them this way too, a few rows at a time as it updates
/// v (<see cref="UpdatedDirectionRows"/>). Where the rows cannot be summed in one pass
/// (<see cref="EuclideanNorm.SumsRowsInOnePass"/>) or libtorch has no MKL, those operations run.
/// </summary>
internal static unsafe class DirectionRows
{
    /// <summary>Bytes of v per chunk (the core's level-2 cache holds it between the two readings).</summary>
    private const int ChunkBytes = 256 * 1024;

    /// <summary>g * v / ||v|| per row, in <paramref name="type"/> (float32 or bfloat16), with no autograd history.</summary>
    public static Tensor Folded(Tensor v, Tensor g, ScalarType type)
    {
        using var _ = no_grad();
        if (!InOnePass(v, type) || g.dtype != ScalarType.Float32 || g.device_type != DeviceType.CPU || !g.is_contiguous() || g.numel() != v.shape[0])
        {
            using var norm = EuclideanNorm.Over(v, 1L);
            using var factor = g.div(norm);
            var folded = v.mul(factor.unsqueeze(1));
            if (type == ScalarType.Float32)
                return folded;
            using (folded)
                return folded.to(type);
        }
        var result = empty(v.shape, type);
        Run(Pass.Of(v, g, result, null, null), v);
        return result;
    }

    /// <summary>v in bfloat16 and ||v|| per row [outputs], with no autograd history.</summary>
    public static (Tensor Direction, Tensor Norm) InBFloat16WithNorm(Tensor v)
    {
        using var _ = no_grad();
        if (!InOnePass(v, ScalarType.BFloat16))
            return (v.to(ScalarType.BFloat16), EuclideanNorm.Over(v, 1L));
        var direction = empty(v.shape, ScalarType.BFloat16);
        var norm = empty(v.shape[0]);
        Run(Pass.Of(v, null, null, direction, norm), v);
        return (direction, norm);
    }

    /// <summary>Whether this pass can make <paramref name="type"/>'s results of <paramref name="v"/> with libtorch's values.</summary>
    internal static bool InOnePass(Tensor v, ScalarType type) =>
        (type == ScalarType.Float32 || type == ScalarType.BFloat16) && MklVectorMath.IsAvailable && EuclideanNorm.SumsRowsInOnePass(v);

    /// <summary>The pass over every row, the rows shared among libtorch's threads from <see cref="TensorMemory.ParallelFrom"/> values.</summary>
    private static void Run(Pass pass, Tensor v) =>
        OpenMpTeam.For((int)v.shape[0], (first, end) => Rows(pass, first, end), threads: v.numel() < TensorMemory.ParallelFrom ? 1 : 0);

    /// <summary>Rows [<paramref name="first"/>, <paramref name="end"/>) of <paramref name="pass"/>, on the calling thread.</summary>
    internal static void Rows(Pass pass, int first, int end)
    {
        int n = pass.Columns;
        int chunk = Math.Clamp(ChunkBytes / (n * sizeof(float)), 1, 1024);
        float* norms = stackalloc float[chunk];
        for (int start = first; start < end; start += chunk)
        {
            int count = Math.Min(chunk, end - start);
            for (int r = 0; r < count; r++)
                norms[r] = EuclideanNorm.RowSquareSum(pass.Direction + (long)(start + r) * n, n);
            MklVectorMath.SqrtInPlace(norms, count);
            for (int r = 0; r < count; r++)
            {
                int row = start + r;
                long offset = (long)row * n;
                if (pass.Norm is not null)
                    pass.Norm[row] = norms[r];
                if (pass.Copy is not null)
                    Copy(pass.Direction + offset, pass.Copy + offset, n);
                if (pass.Scale is not null)
                    Scale(pass.Direction + offset, pass.Scale[row] / norms[r], pass.Wide is null ? null : pass.Wide + offset, pass.Narrow is null ? null : pass.Narrow + offset, n);
            }
        }
    }

    /// <summary>bf16(x) of one row.</summary>
    private static void Copy(float* x, ushort* result, int n)
    {
        int i = 0;
        for (; i <= n - 16; i += 16)
            Vector256.Narrow(Rounded(Vector256.Load(x + i)), Rounded(Vector256.Load(x + i + 8))).Store(result + i);
        for (; i < n; i++)
            result[i] = Rounded(x[i]);
    }

    /// <summary>x * factor of one row, into <paramref name="wide"/> (float32) or <paramref name="narrow"/> (bfloat16).</summary>
    private static void Scale(float* x, float factor, float* wide, ushort* narrow, int n)
    {
        var k = Vector256.Create(factor);
        int i = 0;
        if (narrow is null)
        {
            for (; i <= n - 8; i += 8)
                (Vector256.Load(x + i) * k).Store(wide + i);
            for (; i < n; i++)
                wide[i] = x[i] * factor;
            return;
        }
        for (; i <= n - 16; i += 16)
            Vector256.Narrow(Rounded(Vector256.Load(x + i) * k), Rounded(Vector256.Load(x + i + 8) * k)).Store(narrow + i);
        for (; i < n; i++)
            narrow[i] = Rounded(x[i] * factor);
    }

    /// <summary>
    /// One pass's addresses: the direction; the scale g and the folded result in float32 (<c>Wide</c>) or bfloat16
    /// (<c>Narrow</c>) for a fold (null scale: none); v in bfloat16 (<c>Copy</c>) and the norms, each where wanted.
    /// </summary>
    internal readonly struct Pass(float* direction, float* scale, float* wide, ushort* narrow, ushort* copy, float* norm, int columns)
    {
        public readonly float* Direction = direction, Scale = scale, Wide = wide, Norm = norm;
        public readonly ushort* Narrow = narrow, Copy = copy;
        public readonly int Columns = columns;

        /// <summary>
        /// The pass over <paramref name="v"/> [outputs, inputs] (float32, contiguous) writing whichever of
        /// <paramref name="folded"/> (g * v / ||v|| in float32 or bfloat16, with <paramref name="g"/>),
        /// <paramref name="copy"/> (bfloat16) and <paramref name="norm"/> [outputs] are given.
        /// </summary>
        public static Pass Of(Tensor v, Tensor? g, Tensor? folded, Tensor? copy, Tensor? norm)
        {
            bool narrow = folded?.dtype == ScalarType.BFloat16;
            return new Pass(TensorMemory.Address<float>(v), g is null ? null : TensorMemory.Address<float>(g),
                folded is null || narrow ? null : TensorMemory.Address<float>(folded), narrow ? TensorMemory.Address<ushort>(folded!) : null,
                copy is null ? null : TensorMemory.Address<ushort>(copy), norm is null ? null : TensorMemory.Address<float>(norm), (int)v.shape[1]);
        }
    }
}
