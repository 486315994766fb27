using System.Numerics;
using System.Runtime.Intrinsics;
using Microsoft.ML.Gan.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// The Euclidean norm of a weight-normalised layer's direction v over some dimensions, as sqrt(sum(v * v)).
/// TorchSharp's linalg.vector_norm builds its order argument as a temporary Scalar that the garbage collector may finalize
/// while libtorch still reads it (seen as a crash, "Expected false to be true" in Scalar::toDouble, or a segmentation
/// fault, once or twice in a few hundred tabular fits); this form passes no Scalar to native code.
/// The norms of a dense layer's rows (a contiguous float32 matrix on the CPU, rows of at least one vector) square and
/// sum each row in one pass, adding in the order of libtorch's cascade sum (ATen's SumKernel: its AVX2 code, which
/// libtorch also runs on AVX-512 CPUs, sums a row as vectors of 8 floats, 4 partial sums at a time, with 4 levels of
/// 16 additions each, then the tail and the 8 lanes); whether that order gives libtorch's sums to the bit on this
/// machine is checked once per process (<see cref="RowPassIsExact"/>), else libtorch's operations run. Where autograd
/// records the norm (a gradient through it), libtorch's operations run too.
/// </summary>
internal static unsafe class EuclideanNorm
{
    /// <summary>Floats in the vectors libtorch's sum adds (Vectorized&lt;float&gt; of its AVX2 code).</summary>
    private const int Lanes = 8;

    /// <summary>Partial sums the cascade keeps side by side (row_sum's ilp_factor).</summary>
    private const int Partials = 4;

    /// <summary>Levels of the cascade (multi_row_sum's num_levels).</summary>
    private const int Levels = 4;

    private static readonly Lazy<bool> Exact = new(CheckRowPass);

    /// <summary>||v|| over <paramref name="dimensions"/>, those dimensions removed.</summary>
    public static Tensor Over(Tensor v, params long[] dimensions)
    {
        if (dimensions is [1] && SumsRowsInOnePass(v))
        {
            using var sums = RowSquareSums(v);
            return sums.sqrt();
        }
        return ByOperations(v, dimensions);
    }

    /// <summary>Whether the one-pass row sums give libtorch's sums of squares to the bit on this machine; checked once per process on random rows.</summary>
    public static bool RowPassIsExact => Exact.Value;

    /// <summary>Whether <paramref name="v"/>'s row norms are summed in one pass (<see cref="RowSquareSum"/>): its shape and type allow it, and the pass is exact here.</summary>
    internal static bool SumsRowsInOnePass(Tensor v) => RowPassApplies(v) && RowPassIsExact;

    /// <summary>The sum of squares of each row of <paramref name="v"/> ([rows, columns], contiguous float32 on the CPU, columns at least <see cref="Lanes"/>), shape [rows].</summary>
    internal static Tensor RowSquareSums(Tensor v)
    {
        int rows = (int)v.shape[0], columns = (int)v.shape[1];
        var sums = empty(rows);
        float* input = TensorMemory.Address<float>(v), output = TensorMemory.Address<float>(sums);
        OpenMpTeam.For(rows, (first, end) =>
        {
            for (int row = first; row < end; row++)
                output[row] = RowSquareSum(input + (long)row * columns, columns);
        }, threads: v.numel() < TensorMemory.ParallelFrom ? 1 : 0);
        return sums;
    }

    /// <summary>sqrt(sum(v * v)) by libtorch's operations.</summary>
    internal static Tensor ByOperations(Tensor v, long[] dimensions)
    {
        using var square = v.mul(v);
        using var sum = square.sum(dimensions);
        return sum.sqrt();
    }

    /// <summary>Rows of a contiguous float32 matrix on the CPU, at least one vector long, whose norm autograd does not record.</summary>
    private static bool RowPassApplies(Tensor v) =>
        !(v.requires_grad && is_grad_enabled()) && v.dim() == 2 && v.dtype == ScalarType.Float32 && v.device_type == DeviceType.CPU && v.is_contiguous() && v.shape[1] >= Lanes
        && v.shape[1] <= int.MaxValue && v.shape[0] <= int.MaxValue;

    /// <summary>The sum of squares of the <paramref name="count"/> values at <paramref name="x"/>, as vectorized_inner_sum adds them: the vectors' cascade, then the tail one by one, then the lanes in order.</summary>
    internal static float RowSquareSum(float* x, int count)
    {
        int vectors = count / Lanes;
        var cascade = VectorCascade(x, vectors);
        float sum = 0;
        for (int i = vectors * Lanes; i < count; i++)
            sum += x[i] * x[i];
        for (int lane = 0; lane < Lanes; lane++)
            sum += cascade.GetElement(lane);
        return sum;
    }

    /// <summary>
    /// row_sum over <paramref name="vectors"/> squared vectors: <see cref="Partials"/> partial sums over groups of that
    /// many vectors (multi_row_sum), the vectors after the last whole group into the first, then the others into it. The
    /// first level's partial sums, which every group adds to, are locals (registers); each run of groups into them starts
    /// from 0, as libtorch's does after the level is carried up.
    /// </summary>
    private static Vector256<float> VectorCascade(float* x, int vectors)
    {
        int groups = vectors / Partials;
        int levelPower = Math.Max(4, CeilLog2(groups) / Levels);
        int levelStep = 1 << levelPower, levelMask = levelStep - 1;
        var upper = stackalloc Vector256<float>[(Levels - 1) * Partials];
        for (int a = 0; a < (Levels - 1) * Partials; a++)
            upper[a] = Vector256<float>.Zero;
        int group = 0;
        Vector256<float> a0, a1, a2, a3;
        while (group + levelStep <= groups)
        {
            (a0, a1, a2, a3) = Groups(x, group, group + levelStep);
            group += levelStep;
            upper[0] += a0;
            upper[1] += a1;
            upper[2] += a2;
            upper[3] += a3;
            for (int level = 2; level < Levels; level++)
            {
                if ((group & (levelMask << ((level - 1) * levelPower))) != 0)
                    break;
                for (int k = 0; k < Partials; k++)
                {
                    upper[(level - 1) * Partials + k] += upper[(level - 2) * Partials + k];
                    upper[(level - 2) * Partials + k] = Vector256<float>.Zero;
                }
            }
        }
        (a0, a1, a2, a3) = Groups(x, group, groups);
        for (int level = 1; level < Levels; level++)
        {
            a0 += upper[(level - 1) * Partials];
            a1 += upper[(level - 1) * Partials + 1];
            a2 += upper[(level - 1) * Partials + 2];
            a3 += upper[(level - 1) * Partials + 3];
        }
        var sum = a0;
        for (int i = groups * Partials; i < vectors; i++)
            sum += Square(x + (long)i * Lanes);
        return sum + a1 + a2 + a3;
    }

    /// <summary>The <see cref="Partials"/> partial sums of groups <paramref name="first"/> .. <paramref name="end"/> - 1, each from 0.</summary>
    private static (Vector256<float>, Vector256<float>, Vector256<float>, Vector256<float>) Groups(float* x, int first, int end)
    {
        Vector256<float> a0 = Vector256<float>.Zero, a1 = Vector256<float>.Zero, a2 = Vector256<float>.Zero, a3 = Vector256<float>.Zero;
        for (int group = first; group < end; group++)
        {
            float* g = x + (long)group * Partials * Lanes;
            a0 += Square(g);
            a1 += Square(g + Lanes);
            a2 += Square(g + 2 * Lanes);
            a3 += Square(g + 3 * Lanes);
        }
        return (a0, a1, a2, a3);
    }

    /// <summary>The squares as libtorch's multiply stores them, rounded before they are added.</summary>
    private static Vector256<float> Square(float* x)
    {
        var values = Vector256.Load(x);
        return values * values;
    }

    /// <summary>ATen's CeilLog2: 1 up to 2, else the bits of x - 1.</summary>
    private static int CeilLog2(int x) => x <= 2 ? 1 : 32 - BitOperations.LeadingZeroCount((uint)(x - 1));

    /// <summary>Rows of lengths with and without tails, below and above one level of the cascade and two, against libtorch's operations.</summary>
    private static bool CheckRowPass()
    {
        using var scope = NewDisposeScope();
        using var random = new TorchSharp.torch.Generator(20161207);
        foreach (var (rows, columns) in new[] { (3, 8), (5, 13), (37, 250), (11, 784), (4, 1000), (2, 8 * 4 * 256 + 77) })
        {
            using var v = randn([rows, columns], generator: random).mul(0.05);
            using var pass = RowSquareSums(v);
            using var square = v.mul(v);
            using var reference = square.sum([1L]);
            if (pass.ne(reference).any().item<bool>())
                return false;
        }
        return true;
    }
}
