using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Microsoft.ML.Gan.Networks;
using Microsoft.ML.Gan.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// One Adam update of a float32 parameter in a single pass over its four tensors (parameter, gradient, both moments),
/// block by block so that a block's values stay in cache, on libtorch's OpenMP team. Each element is rounded as
/// libtorch's kernels in <see cref="Adam"/> round it: m = lerp(m, g, 1 - beta1), and v = v * beta2 followed by
/// v + ((1 - beta2) * g) * g, with the multiply-adds fused as libtorch's vector code fuses them on CPUs with FMA;
/// d = sqrt(v + epsilon) with MKL's square root (<see cref="MklVectorMath"/>); p = p + (step * m) / d; and, when the
/// parameter has a moving average, a = lerp(a, p, rate) while the block of p is in cache. A weight-normalised direction's
/// gradient can come as its terms (<see cref="DirectionGradientTerms"/>), each block written as it is read, so that it
/// is never stored whole; its blocks are then whole rows of v, and once a block is updated the rows the layer's next
/// passes need are written from it (<see cref="DirectionGradientTerms.UpdatedRows"/>). Whether libtorch rounds so on this
/// machine is checked once (<see cref="Adam.OnePassIsExact"/>).
/// </summary>
internal static unsafe class AdamKernel
{
    /// <summary>
    /// Elements per block: four 128 KB slices of the tensors and the block's denominators stay in L2. Blocks are this
    /// large because each call of MKL's square root has a fixed cost (about 2.4 µs on the project's AMD EPYC): with 2,048
    /// elements per block the discriminator's update took 2.3 ms instead of 0.6 ms.
    /// </summary>
    private const int Block = 32768;

    /// <summary>The coefficients of one update, as float32 as libtorch's kernels use them.</summary>
    public readonly record struct Coefficients(float FirstWeight, float SecondDecay, float SecondWeight, float Epsilon, float Step);

    /// <summary>Whether the kernel can update this parameter: float32 on the CPU, parameter and gradient contiguous and of one size, MKL's square root at hand.</summary>
    public static bool Applies(Tensor parameter, Tensor gradient) =>
        Applies(parameter, gradient.numel()) && gradient.dtype == ScalarType.Float32 && gradient.device_type == DeviceType.CPU && gradient.is_contiguous();

    /// <summary>Whether the kernel can update this parameter from a gradient of <paramref name="count"/> elements: float32, contiguous, on the CPU, of that size, MKL's square root at hand.</summary>
    public static bool Applies(Tensor parameter, long count) =>
        parameter.dtype == ScalarType.Float32 && parameter.device_type == DeviceType.CPU && parameter.is_contiguous() && parameter.numel() == count
        && MklVectorMath.IsAvailable;

    /// <summary>
    /// Updates <paramref name="parameter"/> and its moments <paramref name="first"/> and <paramref name="second"/>
    /// (contiguous, of its size) from <paramref name="gradient"/>, then moves <paramref name="average"/> (contiguous
    /// float32 of its size, or null) a fraction <paramref name="averageRate"/> of the way to the new parameter.
    /// </summary>
    public static void Update(Tensor parameter, Tensor gradient, Tensor first, Tensor second, Coefficients coefficients, Tensor? average = null, float averageRate = 0) =>
        Update(parameter, TensorMemory.Address<float>(gradient), null, first, second, coefficients, average, averageRate);

    /// <summary>
    /// As <see cref="Update(Tensor, Tensor, Tensor, Tensor, Coefficients, Tensor?, float)"/>, with a weight-normalised
    /// direction's gradient given by its terms: each block of it is written just before the block's update reads it, from
    /// the block of the direction (<paramref name="parameter"/>) before its update. The terms'
    /// <see cref="DirectionGradientTerms.UpdatedRows"/>, if any, are written from each block once it is updated; the caller
    /// completes them.
    /// </summary>
    public static void Update(Tensor parameter, DirectionGradientTerms gradient, Tensor first, Tensor second, Coefficients coefficients, Tensor? average = null, float averageRate = 0) =>
        Update(parameter, null, gradient, first, second, coefficients, average, averageRate);

    private static void Update(Tensor parameter, float* gradient, DirectionGradientTerms? terms, Tensor first, Tensor second, Coefficients coefficients, Tensor? average, float averageRate)
    {
        long count = parameter.numel();
        var tensors = new Pointers(TensorMemory.Address<float>(parameter), gradient, TensorMemory.Address<float>(first), TensorMemory.Address<float>(second),
            average is null ? null : TensorMemory.Address<float>(average), count);
        // A direction's blocks are whole rows, so that each block's updated rows can be written at once.
        int block = terms?.UpdatedRows is { } rows ? Math.Max(1, Block / rows.Columns) * rows.Columns : Block;
        int blocks = checked((int)((count + block - 1) / block));
        OpenMpTeam.For(blocks, (start, end) => UpdateBlocks(tensors, terms, coefficients, averageRate, block, start, end), threads: count < TensorMemory.ParallelFrom ? 1 : 0);
    }

    private static void UpdateBlocks(Pointers tensors, DirectionGradientTerms? terms, Coefficients c, float averageRate, int block, int startBlock, int endBlock)
    {
        float* denominator = (float*)NativeMemory.AlignedAlloc((nuint)block * sizeof(float), 64);
        float* written = terms is null ? null : (float*)NativeMemory.AlignedAlloc((nuint)block * sizeof(float), 64);
        var updatedRows = terms?.UpdatedRows;
        try
        {
            for (int b = startBlock; b < endBlock; b++)
            {
                long offset = (long)b * block;
                int n = (int)Math.Min(block, tensors.Count - offset);
                float* p = tensors.Parameter + offset, g = written is null ? tensors.Gradient + offset : written, m = tensors.First + offset, v = tensors.Second + offset;
                terms?.Fill(tensors.Parameter, offset, n, written);
                Moments(g, m, v, denominator, n, c);
                MklVectorMath.SqrtInPlace(denominator, n);
                Step(p, m, denominator, n, c.Step);
                if (tensors.Average is not null)
                    Lerp(tensors.Average + offset, p, n, averageRate);
                if (updatedRows is not null)
                    updatedRows.Write((int)(offset / updatedRows.Columns), (int)((offset + n) / updatedRows.Columns));
            }
        }
        finally
        {
            NativeMemory.AlignedFree(denominator);
            NativeMemory.AlignedFree(written);
        }
    }

    /// <summary>The moments, and v + epsilon into <paramref name="denominator"/>.</summary>
    private static void Moments(float* g, float* m, float* v, float* denominator, int n, Coefficients c)
    {
        var (fromStart, lerpWeight) = LerpWeight(c.FirstWeight);
        var weight = Vector256.Create(lerpWeight);
        var decay = Vector256.Create(c.SecondDecay);
        var secondWeight = Vector256.Create(c.SecondWeight);
        var epsilon = Vector256.Create(c.Epsilon);
        int i = 0;
        for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
        {
            var gradient = Vector256.Load(g + i);
            var start = Vector256.Load(m + i);
            var lerped = Vector256.FusedMultiplyAdd(weight, gradient - start, fromStart ? start : gradient);
            lerped.Store(m + i);
            var second = Vector256.FusedMultiplyAdd(secondWeight * gradient, gradient, Vector256.Load(v + i) * decay);
            second.Store(v + i);
            (second + epsilon).Store(denominator + i);
        }
        for (; i < n; i++)
        {
            m[i] = MathF.FusedMultiplyAdd(lerpWeight, g[i] - m[i], fromStart ? m[i] : g[i]);
            v[i] = MathF.FusedMultiplyAdd(c.SecondWeight * g[i], g[i], v[i] * c.SecondDecay);
            denominator[i] = v[i] + c.Epsilon;
        }
    }

    /// <summary>a = lerp(a, p, w), as libtorch's <c>lerp_</c> rounds it.</summary>
    private static void Lerp(float* a, float* p, int n, float w)
    {
        var (fromStart, lerpWeight) = LerpWeight(w);
        var weight = Vector256.Create(lerpWeight);
        int i = 0;
        for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
        {
            var start = Vector256.Load(a + i);
            var end = Vector256.Load(p + i);
            Vector256.FusedMultiplyAdd(weight, end - start, fromStart ? start : end).Store(a + i);
        }
        for (; i < n; i++)
            a[i] = MathF.FusedMultiplyAdd(lerpWeight, p[i] - a[i], fromStart ? a[i] : p[i]);
    }

    /// <summary>
    /// libtorch's lerp (ATen/native/Lerp.h): from the start with weight w when |w| &lt; 0.5, else from the end with
    /// w - 1, as one fused multiply-add.
    /// </summary>
    private static (bool FromStart, float Weight) LerpWeight(float w) => Math.Abs(w) < 0.5f ? (true, w) : (false, w - 1);

    /// <summary>p = p + (step * m) / d, in that order.</summary>
    private static void Step(float* p, float* m, float* denominator, int n, float step)
    {
        var size = Vector256.Create(step);
        int i = 0;
        for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            (size * Vector256.Load(m + i) / Vector256.Load(denominator + i) + Vector256.Load(p + i)).Store(p + i);
        for (; i < n; i++)
            p[i] = step * m[i] / denominator[i] + p[i];
    }

    private readonly struct Pointers(float* parameter, float* gradient, float* first, float* second, float* average, long count)
    {
        public readonly float* Parameter = parameter, Gradient = gradient, First = first, Second = second, Average = average;
        public readonly long Count = count;
    }
}
