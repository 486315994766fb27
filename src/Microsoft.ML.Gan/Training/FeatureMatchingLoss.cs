using Microsoft.ML.Gan.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// The generator's feature-matching objective: the mean over features of the squared difference between the
/// batch means of an intermediate discriminator layer on real and on generated rows, mean((E f(x) - E f(G(z)))^2).
/// </summary>
internal static class FeatureMatchingLoss
{
    public static Tensor Compute(Tensor realFeatures, Tensor generatedFeatures)
    {
        using var realMean = realFeatures.mean([0L]);
        using var generatedMean = generatedFeatures.mean([0L]);
        using var difference = realMean.sub(generatedMean);
        return difference.pow(HeldScalars.Two).mean();
    }
}
