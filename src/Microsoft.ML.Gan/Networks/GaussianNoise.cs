using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// Adds zero-mean Gaussian noise of a fixed standard deviation in training mode; the identity in
/// evaluation mode. The discriminator of the paper uses it on its input (0.3) and after every hidden layer (0.5).
/// </summary>
internal sealed class GaussianNoise : nn.Module<Tensor, Tensor>
{
    private readonly double _standardDeviation;
    /// <summary>The standard deviation held for the native add (<see cref="HeldScalars"/>: a temporary could be finalized during the native call).</summary>
    private readonly Scalar _heldStandardDeviation;
    private readonly GaussianNoiseSource _source;

    public GaussianNoise(string name, double standardDeviation, GaussianNoiseSource source) : base(name)
    {
        _standardDeviation = standardDeviation;
        _heldStandardDeviation = standardDeviation.ToScalar();
        _source = source;
    }

    /// <summary>Whether the layer adds noise: in training mode, with a standard deviation above 0.</summary>
    public bool IsActive => training && _standardDeviation != 0;

    /// <summary>The standard deviation as the native add uses it, in float32.</summary>
    public float Level => (float)_standardDeviation;

    /// <summary>The keys of the next draw, as <see cref="forward"/> would take it, for a pass that fills the values itself (<see cref="GaussianNoiseSource.FillBlocks"/>).</summary>
    public GaussianNoiseSource.Keys NextKeys() => _source.NextKeys();

    public override Tensor forward(Tensor input)
    {
        if (!training || _standardDeviation == 0)
            return input.alias();
        using var noise = _source.Normal(input.shape, input.device);
        return input.add(noise, alpha: _heldStandardDeviation);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _heldStandardDeviation.Dispose();
        base.Dispose(disposing);
    }
}
