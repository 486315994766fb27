namespace Microsoft.ML.Gan.Training;

/// <summary>
/// The learning rate per epoch: constant, then a linear decay to 0 over the last epochs of the run, as the paper's
/// CIFAR-10 code and the first version of its MNIST code do.
/// </summary>
internal static class LearningRateSchedule
{
    /// <summary>The rate of <paramref name="epoch"/> (from 1): initial * min(1, (maxEpoch - epoch + 1) / decayEpochs); initial when decayEpochs is 0.</summary>
    public static double At(double initial, int decayEpochs, int maxEpoch, int epoch) =>
        decayEpochs == 0 ? initial : initial * Math.Min(1, (double)(maxEpoch - epoch + 1) / decayEpochs);
}
