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
    private Tensor? _normGradient;

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
        // The leaves live until Terms, beyond the dispose scope of the forward pass that made them.
        return new DirectionGradient(direction.requires_grad_(true).DetachFromDisposeScope(), norm.requires_grad_(true).DetachFromDisposeScope());
    }

    /// <summary>
    /// Takes the leaves' gradients from a backward pass that computes them itself (<see cref="TrainingLogits"/>) and hands
    /// them here rather than to autograd: autograd would store a copy of each, as the caller still holds it.
    /// </summary>
    public void Receive(Tensor directionGradient, Tensor normGradient)
    {
        _directionGradient?.Dispose();
        _normGradient?.Dispose();
        _directionGradient = directionGradient.DetachFromDisposeScope();
        _normGradient = normGradient.DetachFromDisposeScope();
    }

    /// <summary>The direction's gradient from the leaves' gradients of the backward pass that has run (a leaf without one contributes 0).</summary>
    public DirectionGradientTerms Terms()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var normGradient = _normGradient ?? Norm.grad;
        // libtorch's sqrt backward: grad / (2 * result).
        var scale = normGradient is null ? zeros_like(Norm) : normGradient.div(Norm.mul(HeldScalars.Two));
        var productGradient = (_directionGradient ?? Direction.grad)?.contiguous() ?? zeros_like(Direction);
        return new DirectionGradientTerms(scale.DetachFromDisposeScope(), productGradient.DetachFromDisposeScope());
    }

    public void Dispose()
    {
        Direction.Dispose();
        Norm.Dispose();
        _directionGradient?.Dispose();
        _normGradient?.Dispose();
    }
}
