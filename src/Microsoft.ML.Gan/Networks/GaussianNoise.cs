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

    /// <summary>The standard deviation of the noise in training mode.</summary>
    public double StandardDeviation => _standardDeviation;

    public override Tensor forward(Tensor input)
    {
        using var noise = Draw(input.shape, input.device);
        return noise is null ? input.alias() : input.add(noise, alpha: _heldStandardDeviation);
    }

    /// <summary>The next N(0, 1) values for an input of <paramref name="shape"/>; null where the layer adds nothing (evaluation mode or a deviation of 0).</summary>
    public Tensor? Draw(long[] shape, Device device) =>
        !training || _standardDeviation == 0 ? null : _source.Normal(shape, device);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _heldStandardDeviation.Dispose();
        base.Dispose(disposing);
    }
}
