using System.Runtime.Intrinsics;
using Microsoft.ML.Gan.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// A weight-normalised layer's direction gradient once its backward pass has run, as its two terms: k = (dL/d||v||) /
/// (2 ||v||) per output unit, and dL/dv' [outputs, inputs] (float32 or bfloat16), the gradient of the direction the product
/// used. The gradient of v is (c + c) + dL/dv' with c = k * v, rounded as libtorch's autograd rounds it
/// (<see cref="DirectionGradient"/>). <see cref="WriteTo"/> makes it v's gradient; <see cref="Fill"/> writes any stretch of
/// it, so that an optimiser can take it where it reads v without a pass of its own (<see cref="Training.AdamKernel"/>).
/// </summary>
internal sealed unsafe class DirectionGradientTerms : IDisposable
{
    private readonly Tensor _scale;
    private readonly Tensor _productGradient;
    private readonly float* _k;
    private readonly byte* _product;
    private readonly bool _bfloat16;

    /// <summary>Takes ownership of <paramref name="scale"/> (k, float32 [outputs]) and <paramref name="productGradient"/> (contiguous [outputs, inputs]).</summary>
    public DirectionGradientTerms(Tensor scale, Tensor productGradient)
    {
        _scale = scale;
        _productGradient = productGradient;
        _k = TensorMemory.Address<float>(scale);
        _product = TensorMemory.Address<byte>(productGradient);
        _bfloat16 = productGradient.dtype == ScalarType.BFloat16;
        Columns = (int)productGradient.shape[1];
        Count = productGradient.numel();
    }

    /// <summary>Inputs per output unit: the length of a row of v.</summary>
    public int Columns { get; }

    /// <summary>Elements of v.</summary>
    public long Count { get; }

    /// <summary>The rows an optimiser that takes these terms writes after updating v (not owned here); null for none.</summary>
    public UpdatedDirectionRows? UpdatedRows { get; set; }

    /// <summary>Sets <paramref name="v"/>'s gradient (float32, contiguous, of the terms' shape) from the terms.</summary>
    public void WriteTo(Parameter v)
    {
        var gradient = empty_like(v);
        float* direction = TensorMemory.Address<float>(v), written = TensorMemory.Address<float>(gradient);
        int columns = Columns;
        OpenMpTeam.For((int)v.shape[0], (first, end) => Fill(direction, (long)first * columns, (long)(end - first) * columns, written + (long)first * columns),
            threads: Count < TensorMemory.ParallelFrom ? 1 : 0);
        v.grad = gradient;
    }

    /// <summary>
    /// Writes the gradient of elements [<paramref name="first"/>, <paramref name="first"/> + <paramref name="count"/>) of
    /// v, in row-major order, to <paramref name="gradient"/>; <paramref name="direction"/> is v's first element.
    /// </summary>
    public void Fill(float* direction, long first, long count, float* gradient)
    {
        long end = first + count;
        for (long start = first; start < end;)
        {
            long row = start / Columns;
            int length = (int)Math.Min(end - start, (row + 1) * Columns - start);
            if (_bfloat16)
                Row(_k[row], direction + start, (ushort*)_product + start, length, gradient);
            else
                Row(_k[row], direction + start, (float*)_product + start, length, gradient);
            gradient += length;
            start += length;
        }
    }

    private static void Row(float k, float* v, ushort* product, int n, float* gradient)
    {
        var scale = Vector256.Create(k);
        int i = 0;
        for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
        {
            var c = scale * Vector256.Load(v + i);
            (c + c + BFloat16Rounding.Widened(product + i)).Store(gradient + i);
        }
        for (; i < n; i++)
        {
            float c = k * v[i];
            gradient[i] = c + c + BFloat16Rounding.Widened(product[i]);
        }
    }

    private static void Row(float k, float* v, float* product, int n, float* gradient)
    {
        var scale = Vector256.Create(k);
        int i = 0;
        for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
        {
            var c = scale * Vector256.Load(v + i);
            (c + c + Vector256.Load(product + i)).Store(gradient + i);
        }
        for (; i < n; i++)
        {
            float c = k * v[i];
            gradient[i] = c + c + product[i];
        }
    }

    public void Dispose()
    {
        _scale.Dispose();
        _productGradient.Dispose();
    }
}
