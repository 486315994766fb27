using Microsoft.ML.Gan.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// Virtual batch normalisation (Salimans et al., 2016, section 3.4), bias-only like the generator's batch norm: each
/// example x is normalised with the mean and mean square of the reference batch (n rows fixed at the start of training)
/// and of x itself, weighted n/(n+1) and 1/(n+1): y = (x - mu) / sqrt(s - mu^2 + eps) + beta. The reference batch itself
/// is normalised with its own statistics.
/// </summary>
internal sealed class VirtualBatchNorm : nn.Module
{
    private readonly Parameter beta;
    private readonly double _epsilon;
    /// <summary>Epsilon held for the native add (<see cref="HeldScalars"/>: a temporary could be finalized during the native call).</summary>
    private readonly Scalar _heldEpsilon;

    public VirtualBatchNorm(string name, long features, double epsilon = 1e-6) : base(name)
    {
        _epsilon = epsilon;
        _heldEpsilon = epsilon.ToScalar();
        beta = new Parameter(zeros(features), requires_grad: true);
        RegisterComponents();
    }

    /// <summary>The reference batch normalised with its own statistics, and those statistics (mean, mean square).</summary>
    public (Tensor Normalized, Tensor Mean, Tensor MeanSquare) Reference(Tensor reference)
    {
        using var scope = NewDisposeScope();
        var mean = reference.mean([0L]);
        var meanSquare = reference.pow(HeldScalars.Two).mean([0L]);
        var normalized = reference.sub(mean).div(meanSquare.sub(mean.pow(HeldScalars.Two)).add(_heldEpsilon, HeldScalars.One).sqrt()).add(beta, HeldScalars.One);
        return (normalized.MoveToOuterDisposeScope(), mean.MoveToOuterDisposeScope(), meanSquare.MoveToOuterDisposeScope());
    }

    /// <summary>Each row of <paramref name="input"/> normalised with statistics mixing itself and the reference batch of <paramref name="referenceCount"/> rows.</summary>
    public Tensor Normalize(Tensor input, Tensor referenceMean, Tensor referenceMeanSquare, long referenceCount)
    {
        using var scope = NewDisposeScope();
        double own = 1.0 / (referenceCount + 1);
        using var ownWeight = own.ToScalar();
        using var referenceWeight = (referenceCount * own).ToScalar();
        var mean = input.mul(ownWeight).add(referenceMean.mul(referenceWeight), HeldScalars.One);
        var meanSquare = input.pow(HeldScalars.Two).mul(ownWeight).add(referenceMeanSquare.mul(referenceWeight), HeldScalars.One);
        var variance = meanSquare.sub(mean.pow(HeldScalars.Two));
        return input.sub(mean).div(variance.add(_heldEpsilon, HeldScalars.One).sqrt()).add(beta, HeldScalars.One).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Adds <see cref="Normalize"/> with the reference batch's statistics as constants: mu = (x + n m) (1 / (n + 1)),
    /// s = (x^2 + n q) (1 / (n + 1)), y = (x - mu) / sqrt(s - mu^2 + eps) + beta. Tensor names start with
    /// <paramref name="prefix"/>; returns the name of y.
    /// </summary>
    public string AddTo(OnnxGraphBuilder graph, string input, Tensor referenceMean, Tensor referenceMeanSquare, long referenceCount, string prefix)
    {
        using (var count = referenceCount.ToScalar())
        using (var sum = referenceMean.mul(count))
        using (var sumOfSquares = referenceMeanSquare.mul(count))
        {
            graph.AddInitializer($"{prefix}nm", sum);
            graph.AddInitializer($"{prefix}nq", sumOfSquares);
        }
        graph.AddInitializer($"{prefix}own", [1f / (referenceCount + 1)], 1);
        graph.AddInitializer($"{prefix}eps", [(float)_epsilon], 1);
        graph.AddInitializer($"{prefix}beta", beta);
        graph.AddNode("Add", [input, $"{prefix}nm"], [$"{prefix}sum"]);
        graph.AddNode("Mul", [$"{prefix}sum", $"{prefix}own"], [$"{prefix}mean"]);
        graph.AddNode("Mul", [input, input], [$"{prefix}square"]);
        graph.AddNode("Add", [$"{prefix}square", $"{prefix}nq"], [$"{prefix}sumsq"]);
        graph.AddNode("Mul", [$"{prefix}sumsq", $"{prefix}own"], [$"{prefix}meansq"]);
        graph.AddNode("Mul", [$"{prefix}mean", $"{prefix}mean"], [$"{prefix}mean2"]);
        graph.AddNode("Sub", [$"{prefix}meansq", $"{prefix}mean2"], [$"{prefix}var"]);
        graph.AddNode("Add", [$"{prefix}var", $"{prefix}eps"], [$"{prefix}vareps"]);
        graph.AddNode("Sqrt", [$"{prefix}vareps"], [$"{prefix}sd"]);
        graph.AddNode("Sub", [input, $"{prefix}mean"], [$"{prefix}centered"]);
        graph.AddNode("Div", [$"{prefix}centered", $"{prefix}sd"], [$"{prefix}normalized"]);
        graph.AddNode("Add", [$"{prefix}normalized", $"{prefix}beta"], [$"{prefix}shifted"]);
        return $"{prefix}shifted";
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _heldEpsilon.Dispose();
        base.Dispose(disposing);
    }
}
