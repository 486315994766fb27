namespace Microsoft.ML.Gan.Training;

/// <summary>
/// The learning rate per epoch: constant, then a linear decay to 0 over the last epochs of the run, as Bad GAN's code,
/// the paper's CIFAR-10 code and the first version of its MNIST code do.
/// </summary>
internal static class LearningRateSchedule
{
    /// <summary>The decay's length: <paramref name="decayEpochs"/>, or the last third of the run (maxEpoch / 3) when it is null.</summary>
    private static int DecayEpochs(int? decayEpochs, int maxEpoch) => decayEpochs ?? maxEpoch / 3;

    /// <summary>
    /// The rate of <paramref name="epoch"/> (from 1): initial * min(1, (maxEpoch - epoch + 1) / N) with N =
    /// <see cref="DecayEpochs"/>; initial when N is 0.
    /// </summary>
    public static double At(double initial, int? decayEpochs, int maxEpoch, int epoch)
    {
        int length = DecayEpochs(decayEpochs, maxEpoch);
        return length == 0 ? initial : initial * Math.Min(1, (double)(maxEpoch - epoch + 1) / length);
    }
}
