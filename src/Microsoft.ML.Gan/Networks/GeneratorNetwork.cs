using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// What training, checkpoints and generation need from a generator, whatever its layers: it maps noise
/// z ~ U[0,1)^NoiseSize to flat rows [n, OutputSize] in [0, 1], and can fix its batch-norm statistics after training.
/// </summary>
internal abstract class GeneratorNetwork : nn.Module<Tensor, Tensor>
{
    protected GeneratorNetwork(string name, long noiseSize, long outputSize) : base(name)
    {
        NoiseSize = noiseSize;
        OutputSize = outputSize;
    }

    /// <summary>Length of the noise vector z.</summary>
    public long NoiseSize { get; }

    /// <summary>Output length: the features of one sample.</summary>
    public long OutputSize { get; }

    /// <summary>
    /// Fixes every batch norm's statistics to those of <paramref name="count"/> samples, so that in evaluation mode a
    /// sample depends only on its own noise.
    /// </summary>
    public abstract void FreezeStatistics(long count, Generator random);

    /// <summary>Draws z ~ U[0,1)^NoiseSize for <paramref name="count"/> samples and generates them.</summary>
    public Tensor Sample(long count, Generator random)
    {
        using var z = rand([count, NoiseSize], generator: random);
        return forward(z);
    }
}
