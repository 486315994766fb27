using Microsoft.ML.Gan.Data;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// The discriminator's data-dependent initialisation before the first epoch, on InitializationRows real rows: a random
/// sample of the rows in memory, or the first draws of a stream. The same rows become both discriminators' reference batch.
/// </summary>
internal static class DataDependentInitialization
{
    /// <summary>Initialises <paramref name="networks"/>' discriminator from <paramref name="features"/>, or from <paramref name="stream"/> when it is given.</summary>
    public static void Run(GanNetworks networks, Tensor features, UnlabeledRows? stream, int rows, RandomGenerator random)
    {
        using var batch = stream is null ? SampleRows(features, rows, random) : FirstDraws(stream, rows);
        networks.Discriminator.SetReference(batch);
        networks.AveragedDiscriminator.SetReference(batch);
        networks.Discriminator.train();
        networks.Discriminator.InitializeFrom(batch);
    }

    private static Tensor SampleRows(Tensor features, int rows, RandomGenerator random)
    {
        long count = Math.Min(rows, features.shape[0]);
        using var order = randperm(features.shape[0], generator: random, device: features.device);
        using var first = order.narrow(0, 0, count);
        return features.index_select(0, first);
    }

    private static Tensor FirstDraws(UnlabeledRows stream, int rows)
    {
        stream.BeginEpoch();
        return stream.Next(rows);
    }
}
