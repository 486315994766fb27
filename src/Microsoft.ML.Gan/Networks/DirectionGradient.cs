using Microsoft.ML.Gan.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// The gradient of a weight-normalised layer's direction v in one pass. The training forward pass hands autograd the
/// direction in the product's type and the norm ||v|| as leaves of their own (<see cref="Of"/>), so that the backward
/// pass stops at them; <see cref="Terms"/> then gives v's gradient from theirs, rounded as libtorch's autograd rounds
/// it through v * v, the sum, the square root and the cast: c = k * v with k = (dL/d||v||) / (2 ||v||) per output unit,
/// and v.grad = (c + c) + dL/dv', where v' is the direction the product used (<see cref="DirectionGradientTerms"/>). That
/// saves a cast, two multiplies and two additions over every weight, and their autograd nodes, in each step.
/// </summary>
internal sealed class DirectionGradient : IDisposable
{
    /// <summary>The leaves' gradients when a backward pass handed them over (<see cref="Receive"/>); null otherwise.</summary>
    private Tensor? _directionGradient;
    private Tensor? _factorGradient;
    private Tensor? _factor;

    private DirectionGradient(Tensor direction, Tensor norm)
    {
        Direction = direction;
        Norm = norm;
    }

    /// <summary>The direction as the product uses it (a leaf with a gradient), shape [outputs, inputs].</summary>
    public Tensor Direction { get; }

    /// <summary>||v|| per output unit (a leaf with a gradient).</summary>
    public Tensor Norm { get; }

    /// <summary>
    /// The leaves of one training forward pass of the layer with direction <paramref name="v"/>, its product in
    /// <paramref name="productType"/>: those the last update wrote when <paramref name="updated"/> holds them, else made from v.
    /// </summary>
    public static DirectionGradient Of(Tensor v, ScalarType productType, UpdatedDirectionRows? updated = null)
    {
        using var _ = no_grad();
        var (direction, norm) = updated?.TakeLeaves() is var (written, writtenNorm)
            ? (written ?? v.detach(), writtenNorm)
            : productType switch
            {
                ScalarType.Float32 => (v.detach(), EuclideanNorm.Over(v, 1L)),
                ScalarType.BFloat16 => DirectionRows.InBFloat16WithNorm(v),
                _ => (v.to(productType), EuclideanNorm.Over(v, 1L)),
            };
        // The leaves live until Terms, beyond the dispose scope of the forward pass that made them.
        return new DirectionGradient(direction.requires_grad_(true).DetachFromDisposeScope(), norm.requires_grad_(true).DetachFromDisposeScope());
    }

    /// <summary>
    /// Takes the leaves' gradients from a backward pass that computes them itself (<see cref="TrainingLogits"/>) and hands
    /// them here rather than to autograd, which would store a copy of each, as the caller still holds it: the direction's
    /// gradient, and for the norm the gradient of the factor g / ||v|| that the product was scaled by, and that factor.
    /// </summary>
    public void Receive(Tensor directionGradient, Tensor factorGradient, Tensor factor)
    {
        _directionGradient?.Dispose();
        _factorGradient?.Dispose();
        _factor?.Dispose();
        _directionGradient = directionGradient.DetachFromDisposeScope();
        _factorGradient = factorGradient.contiguous().DetachFromDisposeScope();
        _factor = factor.contiguous().DetachFromDisposeScope();
    }

    /// <summary>The direction's gradient from the leaves' gradients of the backward pass that has run (a leaf without one contributes 0).</summary>
    public DirectionGradientTerms Terms()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var scale = Scale();
        var productGradient = (_directionGradient ?? Direction.grad)?.contiguous() ?? zeros_like(Direction);
        return new DirectionGradientTerms(scale.DetachFromDisposeScope(), productGradient.DetachFromDisposeScope());
    }

    /// <summary>
    /// k = (dL/d||v||) / (2 ||v||) per output unit, rounded as libtorch's operations round it: the square root's backward
    /// grad / (2 * result), and for a received factor f = g / ||v|| with gradient d, the division's backward
    /// dL/d||v|| = -d * (f / ||v||).
    /// </summary>
    private unsafe Tensor Scale()
    {
        var scale = zeros_like(Norm);
        using var normGradient = _factorGradient is null ? Norm.grad?.contiguous() : null;
        if (_factorGradient is null && normGradient is null)
            return scale;
        using var norms = Norm.contiguous();
        float* norm = TensorMemory.Address<float>(norms), k = TensorMemory.Address<float>(scale);
        float* gradient = normGradient is null ? TensorMemory.Address<float>(_factorGradient!) : TensorMemory.Address<float>(normGradient);
        float* factor = _factor is null ? null : TensorMemory.Address<float>(_factor);
        long count = scale.numel();
        for (long i = 0; i < count; i++)
        {
            float normGradientValue = factor is null ? gradient[i] : -gradient[i] * (factor[i] / norm[i]);
            k[i] = normGradientValue / (norm[i] * 2);
        }
        return scale;
    }

    public void Dispose()
    {
        Direction.Dispose();
        Norm.Dispose();
        _directionGradient?.Dispose();
        _factorGradient?.Dispose();
        _factor?.Dispose();
    }
}
