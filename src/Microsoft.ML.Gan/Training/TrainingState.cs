using Microsoft.ML.Gan.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// Everything a training run must restore to continue exactly where it stopped: both networks, the parameter
/// average and its update count, both optimisers, the historical averages and the replay buffer when on, the
/// best-epoch record, the collapse guard's state and snapshots when on, the random generator's state and the noise
/// source's seed and draw count; and the matrix-multiply precision it trained in, which a resumed run reports when
/// this machine resolves the options to another.
/// Epochs draw their minibatch orders from that generator, so a resumed run repeats an uninterrupted one.
/// </summary>
internal sealed class TrainingState(
    string architecture,
    MatrixMultiplyPrecision precision,
    RandomGenerator random,
    GaussianNoiseSource noise,
    nn.Module discriminator,
    nn.Module averagedDiscriminator,
    nn.Module generator,
    Adam discriminatorOptimizer,
    Adam generatorOptimizer,
    ExponentialMovingAverage average,
    BestEpoch best,
    HistoricalAveraging? discriminatorHistory,
    HistoricalAveraging? generatorHistory,
    ExperienceReplay? replay,
    CollapseGuard? guard)
{
    private const string PrecisionName = "precision";

    /// <summary>The precision of the run a loaded checkpoint was written by; null before a load or for checkpoints older than the record.</summary>
    public MatrixMultiplyPrecision? LoadedPrecision { get; private set; }

    private (string Prefix, nn.Module Network)[] Networks =>
        [("discriminator", discriminator), ("average", averagedDiscriminator), ("generator", generator)];

    private (string Prefix, HistoricalAveraging History)[] Histories =>
        new[] { ("discriminator.history", discriminatorHistory), ("generator.history", generatorHistory) }
            .Where(h => h.Item2 is not null).Select(h => (h.Item1, h.Item2!)).ToArray();

    /// <summary>Writes the state after <paramref name="epoch"/> to <paramref name="directory"/>/checkpoint.mlgan, atomically.</summary>
    public void Save(string directory, int epoch)
    {
        Directory.CreateDirectory(directory);
        using var checkpoint = new TrainingCheckpoint(architecture, epoch);
        foreach (var (prefix, network) in Networks)
        {
            foreach (var (name, tensor) in network.state_dict())
                checkpoint.Add($"{prefix}.{name}", tensor);
        }
        discriminatorOptimizer.SaveTo(checkpoint, "discriminator.adam");
        generatorOptimizer.SaveTo(checkpoint, "generator.adam");
        checkpoint.Numbers["average.updates"] = average.Updates;
        foreach (var (prefix, history) in Histories)
        {
            checkpoint.Numbers[$"{prefix}.count"] = history.Count;
            for (int i = 0; i < history.Means.Count; i++)
                checkpoint.Add($"{prefix}.mean{i}", history.Means[i]);
        }
        if (replay is not null)
        {
            checkpoint.Numbers["replay.count"] = replay.Count;
            checkpoint.Numbers["replay.next"] = replay.Next;
            checkpoint.Add("replay.buffer", replay.Buffer);
        }
        best.SaveTo(checkpoint);
        guard?.SaveTo(checkpoint, "guard");
        checkpoint.Numbers["noise.seed"] = noise.Seed;
        checkpoint.Numbers["noise.draws"] = noise.Draws;
        checkpoint.Numbers[PrecisionName] = (int)precision;
        using (var randomState = random.get_state())
            checkpoint.Add("random", randomState);
        checkpoint.Write(Path.Combine(directory, TrainingCheckpoint.FileName));
    }

    /// <summary>Restores the state from a checkpoint file, or the checkpoint file inside a directory; returns its epoch.</summary>
    public int Load(string path)
    {
        string file = Directory.Exists(path) ? Path.Combine(path, TrainingCheckpoint.FileName) : path;
        using var checkpoint = TrainingCheckpoint.Read(file, architecture);
        foreach (var (prefix, network) in Networks)
        {
            foreach (var (name, tensor) in network.state_dict())
                checkpoint.CopyTo($"{prefix}.{name}", tensor, file);
        }
        discriminatorOptimizer.LoadFrom(checkpoint, "discriminator.adam", file);
        generatorOptimizer.LoadFrom(checkpoint, "generator.adam", file);
        average.Updates = (long)checkpoint.GetNumber("average.updates", file);
        foreach (var (prefix, history) in Histories)
        {
            history.Count = (long)checkpoint.GetNumber($"{prefix}.count", file);
            for (int i = 0; i < history.Means.Count; i++)
                checkpoint.CopyTo($"{prefix}.mean{i}", history.Means[i], file);
        }
        if (replay is not null)
        {
            replay.Count = (long)checkpoint.GetNumber("replay.count", file);
            replay.Next = (long)checkpoint.GetNumber("replay.next", file);
            checkpoint.CopyTo("replay.buffer", replay.Buffer, file);
        }
        best.LoadFrom(checkpoint, file);
        guard?.LoadFrom(checkpoint, "guard", file);
        noise.Seed = (int)checkpoint.GetNumber("noise.seed", file);
        noise.Draws = (long)checkpoint.GetNumber("noise.draws", file);
        random.set_state(checkpoint.Get("random", file));
        LoadedPrecision = checkpoint.Numbers.TryGetValue(PrecisionName, out double recorded) ? (MatrixMultiplyPrecision)(int)recorded : null;
        return checkpoint.Epoch;
    }
}
