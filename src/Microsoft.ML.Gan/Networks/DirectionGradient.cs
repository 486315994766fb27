using System.Runtime.Intrinsics;
using Microsoft.ML.Gan.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// The gradient of a weight-normalised layer's direction v in one pass. The training forward pass hands autograd the
/// direction in the product's type and the norm ||v|| as leaves of their own (<see cref="Of"/>), so that the backward
/// pass stops at them; <see cref="Complete"/> then writes v's gradient from theirs, rounded as libtorch's autograd rounds
/// it through v * v, the sum, the square root and the cast: c = k * v with k = (dL/d||v||) / (2 ||v||) per output unit,
/// and v.grad = (c + c) + dL/dv', where v' is the direction the product used. That saves a cast, two multiplies and two
/// additions over every weight, and their autograd nodes, in each step.
/// </summary>
internal sealed unsafe class DirectionGradient : IDisposable
{
    private DirectionGradient(Tensor direction, Tensor norm)
    {
        Direction = direction;
        Norm = norm;
    }

    /// <summary>The direction as the product uses it (a leaf with a gradient), shape [outputs, inputs].</summary>
    public Tensor Direction { get; }

    /// <summary>||v|| per output unit (a leaf with a gradient).</summary>
    public Tensor Norm { get; }

    /// <summary>The leaves of one training forward pass of the layer with direction <paramref name="v"/>, its product in <paramref name="productType"/>.</summary>
    public static DirectionGradient Of(Tensor v, ScalarType productType)
    {
        using var _ = no_grad();
        var (direction, norm) = productType switch
        {
            ScalarType.Float32 => (v.detach(), EuclideanNorm.Over(v, 1L)),
            ScalarType.BFloat16 => DirectionRows.InBFloat16WithNorm(v),
            _ => (v.to(productType), EuclideanNorm.Over(v, 1L)),
        };
        // The leaves live until Complete, beyond the dispose scope of the forward pass that made them.
        return new DirectionGradient(direction.requires_grad_(true).DetachFromDisposeScope(), norm.requires_grad_(true).DetachFromDisposeScope());
    }

    /// <summary>Sets <paramref name="v"/>'s gradient from the leaves' gradients of the backward pass that has run (a leaf without one contributes 0).</summary>
    public void Complete(TorchSharp.Modules.Parameter v)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var normGradient = Norm.grad;
        // libtorch's sqrt backward: grad / (2 * result).
        var scale = normGradient is null ? zeros_like(Norm) : normGradient.div(Norm.mul(HeldScalars.Two));
        var productGradient = Direction.grad?.contiguous() ?? zeros_like(Direction);
        var gradient = empty_like(v);
        var pass = new Pass(TensorMemory.Address<float>(v), TensorMemory.Address<float>(scale), TensorMemory.Address<float>(gradient), (nint)TensorMemory.Address<byte>(productGradient),
            productGradient.dtype == ScalarType.BFloat16, (int)v.shape[1]);
        OpenMpTeam.For((int)v.shape[0], (first, end) => Rows(pass, first, end), threads: v.numel() < TensorMemory.ParallelFrom ? 1 : 0);
        v.grad = gradient;
    }

    private static void Rows(Pass pass, int first, int end)
    {
        int n = pass.Columns;
        for (int row = first; row < end; row++)
        {
            long offset = (long)row * n;
            float k = pass.Scale[row];
            float* v = pass.Direction + offset, gradient = pass.Gradient + offset;
            var scale = Vector256.Create(k);
            int i = 0;
            if (pass.BFloat16)
            {
                ushort* product = (ushort*)pass.ProductGradient + offset;
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
            else
            {
                float* product = (float*)pass.ProductGradient + offset;
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
        }
    }

    public void Dispose()
    {
        Direction.Dispose();
        Norm.Dispose();
    }

    private readonly struct Pass(float* direction, float* scale, float* gradient, nint productGradient, bool bfloat16, int columns)
    {
        public readonly float* Direction = direction, Scale = scale, Gradient = gradient;
        public readonly nint ProductGradient = productGradient;
        public readonly bool BFloat16 = bfloat16;
        public readonly int Columns = columns;
    }
}
