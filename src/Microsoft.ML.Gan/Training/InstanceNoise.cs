namespace Microsoft.ML.Gan.Training;

/// <summary>
/// Instance noise: Gaussian noise on every row the discriminator sees in its step (labeled, unlabeled and generated),
/// with a standard deviation that decays linearly from its initial value at epoch 1 to 0 after the decay epochs.
/// </summary>
internal static class InstanceNoise
{
    /// <summary>The standard deviation for <paramref name="epoch"/> (from 1): initial * max(0, 1 - (epoch - 1) / decayEpochs).</summary>
    public static double StandardDeviation(double initial, int decayEpochs, int epoch) =>
        initial * Math.Max(0, 1 - (double)(epoch - 1) / decayEpochs);
}
