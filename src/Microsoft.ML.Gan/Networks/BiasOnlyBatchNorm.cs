using Microsoft.ML.Gan.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// Batch normalisation with a learned bias and no gain, using the statistics of the current batch as in the
/// generator of the paper's MNIST code: y = (x - mean) / sqrt(var + eps) + beta. After training, <see cref="Freeze(Tensor)"/>
/// fixes the statistics (measured on a large batch), and in evaluation mode they replace the batch's, so that a
/// generated sample does not depend on the others in its batch.
/// </summary>
internal sealed class BiasOnlyBatchNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter beta;
    private readonly Tensor frozen_mean;
    private readonly Tensor frozen_variance;
    private readonly double _epsilon;
    /// <summary>Epsilon held for the native add (<see cref="HeldScalars"/>: a temporary could be finalized during the native call).</summary>
    private readonly Scalar _heldEpsilon;

    public BiasOnlyBatchNorm(string name, long features, double epsilon = 1e-6) : base(name)
    {
        _epsilon = epsilon;
        _heldEpsilon = epsilon.ToScalar();
        beta = new Parameter(zeros(features), requires_grad: true);
        frozen_mean = zeros(features);
        using (var missing = double.NaN.ToScalar())
            frozen_variance = full(features, missing);
        RegisterComponents();
    }

    /// <summary>Whether <see cref="Freeze(Tensor)"/> has set the statistics used in evaluation mode.</summary>
    public bool IsFrozen
    {
        get
        {
            using var missing = frozen_variance.isnan();
            using var anyMissing = missing.any();
            return !anyMissing.item<bool>();
        }
    }

    /// <summary>Sets the evaluation-mode statistics to those of <paramref name="batch"/> (the layer's input).</summary>
    public void Freeze(Tensor batch)
    {
        using var _ = no_grad();
        using var mean = batch.mean([0L]);
        using var variance = batch.sub(mean).pow(HeldScalars.Two).mean([0L]);
        Freeze(mean, variance);
    }

    /// <summary>Sets the evaluation-mode statistics to the given mean and variance per feature.</summary>
    public void Freeze(Tensor mean, Tensor variance)
    {
        using var _ = no_grad();
        frozen_mean.copy_(mean);
        frozen_variance.copy_(variance);
    }

    public override Tensor forward(Tensor input)
    {
        if (!training && IsFrozen)
        {
            using var frozenInverseStd = frozen_variance.add(_heldEpsilon, HeldScalars.One).rsqrt();
            using var centeredFrozen = input.sub(frozen_mean);
            return centeredFrozen.mul(frozenInverseStd).add_(beta, HeldScalars.One);
        }
        using var mean = input.mean([0L], keepdim: true);
        using var centered = input.sub(mean);
        using var variance = centered.pow(HeldScalars.Two).mean([0L], keepdim: true);
        using var inverseStd = variance.add(_heldEpsilon, HeldScalars.One).rsqrt();
        return centered.mul(inverseStd).add_(beta, HeldScalars.One);
    }

    /// <summary>
    /// softplus(forward(<paramref name="input"/>)), the generator's hidden layer after its product; with the batch's
    /// statistics and float32 rows on the CPU, as one fused node (<see cref="BatchNormSoftplus"/>).
    /// </summary>
    public Tensor ForwardSoftplus(Tensor input)
    {
        if ((training || !IsFrozen) && BatchNormSoftplus.Applies(input))
            return BatchNormSoftplus.Of(input, beta, _epsilon);
        using var normalized = forward(input);
        return HeldScalars.Softplus(normalized);
    }

    /// <summary>
    /// Adds the evaluation-mode normalisation with the frozen statistics as y = x * scale + shift, with the constants
    /// <paramref name="scale"/> = 1 / sqrt(var + eps) and <paramref name="shift"/> = beta - mean * scale (shape [C, 1, 1]
    /// when <paramref name="perChannel"/>, for maps [N, C, H, W]); Mul to <paramref name="scaled"/>, Add to
    /// <paramref name="output"/>, which it returns.
    /// </summary>
    public string AddTo(OnnxGraphBuilder graph, string input, string scale, string shift, string scaled, string output, bool perChannel = false)
    {
        if (!IsFrozen)
            throw new InvalidOperationException("The generator's batch-norm statistics are not frozen; call FreezeStatistics after training.");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var inverseStd = frozen_variance.add(_heldEpsilon, HeldScalars.One).rsqrt();
        var shiftValues = beta.sub(frozen_mean.mul(inverseStd));
        long[] shape = perChannel ? [beta.shape[0], 1, 1] : [beta.shape[0]];
        graph.AddInitializer(scale, inverseStd.view(shape));
        graph.AddInitializer(shift, shiftValues.view(shape));
        graph.AddNode("Mul", [input, scale], [scaled]);
        graph.AddNode("Add", [scaled, shift], [output]);
        return output;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _heldEpsilon.Dispose();
        base.Dispose(disposing);
    }
}
