using Microsoft.ML.Gan.Data;
using Microsoft.ML.Gan.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// The generator's samples in each epoch's progress report (ProgressSampleCount of them), always of the same fixed
/// noise, drawn from a random generator of its own (seed + 1) so that training's draws are unchanged. A conditional
/// generator's samples have classes 0, 1, ..., K-1, 0, ...
/// </summary>
internal sealed class ProgressSamples : IDisposable
{
    private readonly GeneratorNetwork _generator;
    private readonly FeatureStandardization? _standardization;
    private readonly Tensor? _noise;

    /// <summary>
    /// Fixes the noise of <paramref name="count"/> samples of <paramref name="generator"/> on <paramref name="device"/>;
    /// with <paramref name="standardization"/> the samples are mapped back to the features' units.
    /// </summary>
    public ProgressSamples(GeneratorNetwork generator, int count, int seed, Device device, FeatureStandardization? standardization)
    {
        _generator = generator;
        _standardization = standardization;
        _noise = count == 0 ? null : Noise(generator, count, seed, device);
    }

    /// <summary>The generator's samples of the fixed noise (batch statistics of that noise, no gradients); none when the count is 0.</summary>
    public float[][] Draw()
    {
        if (_noise is null)
            return [];
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var samples = _generator.forward(_noise).cpu();
        if (_standardization is not null)
            samples = _standardization.Invert(samples);
        var flat = samples.contiguous().data<float>().ToArray();
        int width = (int)(flat.Length / _noise.shape[0]);
        return Enumerable.Range(0, (int)_noise.shape[0]).Select(i => flat.AsSpan(i * width, width).ToArray()).ToArray();
    }

    public void Dispose() => _noise?.Dispose();

    private static Tensor Noise(GeneratorNetwork generator, int count, int seed, Device device)
    {
        using var random = new RandomGenerator((ulong)seed + 1);
        using var z = rand([count, generator.NoiseSize], generator: random);
        if (generator.ClassCount == 0)
            return z.to(device);
        using var classCount = generator.ClassCount.ToScalar();
        using var sequence = HeldScalars.Arange(count);
        using var classes = sequence.remainder(classCount);
        using var input = generator.Condition(z, classes);
        return input.to(device);
    }
}
