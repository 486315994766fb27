using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// Dropout drawing its masks from the training run's own random generator (TorchSharp's dropout draws from the global
/// one), so that the same seed gives the same model: in training mode each value is zeroed with probability p and the
/// others are scaled by 1 / (1 - p); the identity in evaluation mode.
/// </summary>
internal sealed class SeededDropout : nn.Module<Tensor, Tensor>
{
    private readonly double _probability;
    /// <summary>p and 1 - p held for the native comparison and division (<see cref="HeldScalars"/>: a temporary could be finalized during the native call).</summary>
    private readonly Scalar _heldProbability;
    private readonly Scalar _keepProbability;
    private readonly RandomGenerator _random;

    public SeededDropout(string name, double probability, RandomGenerator random) : base(name)
    {
        _probability = probability;
        _heldProbability = probability.ToScalar();
        _keepProbability = (1 - probability).ToScalar();
        _random = random;
    }

    public override Tensor forward(Tensor input)
    {
        if (!training || _probability == 0)
            return input.alias();
        using var uniform = rand(input.shape, dtype: input.dtype, device: input.device, generator: _random);
        using var keep = uniform.ge(_heldProbability);
        return input.mul(keep).div_(_keepProbability);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _heldProbability.Dispose();
            _keepProbability.Dispose();
        }
        base.Dispose(disposing);
    }
}
