using Microsoft.ML.Gan.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// Makes the noisy discriminator one fixed function for a few passes: the first pass records the state of its noise
/// sources (the Gaussian noise source's draw count, and the random generator its dropout draws from), and every later
/// pass rewinds them to that state first, so it draws the same noise (on rows of the same shape). Afterwards the sources
/// stand where one pass leaves them.
/// </summary>
internal sealed class NoiseReplay(GaussianNoiseSource noise, RandomGenerator random) : IDisposable
{
    private Tensor? _randomState;
    private long _draws;

    /// <summary>Runs <paramref name="pass"/> with the noise of the first pass.</summary>
    public Tensor Run(Func<Tensor> pass)
    {
        if (_randomState is null)
        {
            _randomState = random.get_state().DetachFromDisposeScope();
            _draws = noise.Draws;
        }
        else
        {
            noise.Draws = _draws;
            random.set_state(_randomState);
        }
        return pass();
    }

    public void Dispose() => _randomState?.Dispose();
}
