namespace Microsoft.ML.Gan;

/// <summary>What a semi-supervised GAN run reports after each epoch.</summary>
public sealed record GanTrainingProgress
{
    /// <summary>The epoch just finished, from 1.</summary>
    public required int Epoch { get; init; }

    /// <summary>The number of epochs of the run (of each ensemble member).</summary>
    public required int MaxEpoch { get; init; }

    /// <summary>
    /// The ensemble member this epoch trains, from 1: the <c>Options.EnsembleSize</c> members train one after another,
    /// each from epoch 1 to <see cref="MaxEpoch"/>. 1 without an ensemble.
    /// </summary>
    public int EnsembleMember { get; init; } = 1;

    /// <summary>The number of ensemble members (<c>Options.EnsembleSize</c>); 1 without an ensemble.</summary>
    public int EnsembleSize { get; init; } = 1;

    /// <summary>
    /// This epoch counted over the members one after another, from 1 to <see cref="MaxEpoch"/> times
    /// <see cref="EnsembleSize"/>: (EnsembleMember - 1) * MaxEpoch + Epoch; <see cref="Epoch"/> without an ensemble.
    /// </summary>
    public int OverallEpoch => (EnsembleMember - 1) * MaxEpoch + Epoch;

    /// <summary>Optimisation steps per epoch.</summary>
    public required int StepsPerEpoch { get; init; }

    /// <summary>The discriminator's loss L_lab + w * L_unl, averaged over the epoch.</summary>
    public required double DiscriminatorLoss { get; init; }

    /// <summary>The generator's feature-matching loss, averaged over the epoch.</summary>
    public required double GeneratorLoss { get; init; }

    /// <summary>Fraction of the labeled training rows of the epoch classified correctly (noise on), in [0,1].</summary>
    public required double LabeledAccuracy { get; init; }

    /// <summary>
    /// Error rate on the validation set, in [0,1], of the model Fit would return after this epoch: the averaged
    /// discriminator, with the probabilities of the ensemble members already trained averaged in. Null without a
    /// validation set.
    /// </summary>
    public double? ValidationError { get; init; }

    /// <summary>
    /// Times the collapse guard detected the discriminator winning in this epoch and rolled training back (see
    /// <c>Options.CollapseGuard</c>); 0 when it did not fire or is off.
    /// </summary>
    public int CollapseRecoveries { get; init; }

    /// <summary>Wall-clock seconds of this epoch's training steps (validation excluded).</summary>
    public required double EpochSeconds { get; init; }

    /// <summary>
    /// Wall-clock seconds of this epoch's training steps by phase; they add up to about <see cref="EpochSeconds"/>.
    /// </summary>
    public IReadOnlyDictionary<GanTrainingPhase, double> PhaseSeconds { get; init; } = new Dictionary<GanTrainingPhase, double>();

    /// <summary>Estimated time left for the run, the ensemble members still to train included.</summary>
    public required TimeSpan EstimatedTimeLeft { get; init; }

    /// <summary>
    /// Samples of the generator after this epoch, from the same fixed noise every epoch (one feature vector each, values
    /// in [0,1]); empty unless <c>Options.ProgressSampleCount</c> is set.
    /// </summary>
    public IReadOnlyList<float[]> Samples { get; init; } = [];
}
