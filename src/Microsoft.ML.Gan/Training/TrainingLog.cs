using Microsoft.ML.Runtime;

namespace Microsoft.ML.Gan.Training;

/// <summary>The training loop's messages to the ML.NET channel.</summary>
internal sealed class TrainingLog(IChannel channel)
{
    /// <summary>Training continues from the checkpoint at <paramref name="path"/>, after <paramref name="epoch"/>.</summary>
    public void Resumed(string path, int epoch) =>
        channel.Info(MessageSensitivity.None, $"Resumed from '{path}' after epoch {epoch}.");

    /// <summary>
    /// The checkpoint's run multiplied in <paramref name="before"/>, this one in <paramref name="now"/> (<paramref name="requested"/>
    /// resolving otherwise on this machine, or another option): it continues, but not as the uninterrupted run would.
    /// </summary>
    public void PrecisionChanged(MatrixMultiplyPrecision before, MatrixMultiplyPrecision now, MatrixMultiplyPrecision requested) =>
        channel.Warning(MessageSensitivity.None,
            $"The checkpoint was trained with MatrixMultiplyPrecision {before}; this run multiplies in {now} (MatrixMultiplyPrecision {requested} on this machine), "
            + $"so it continues but will not repeat the uninterrupted run. Set MatrixMultiplyPrecision = {before} to continue as before.");

    /// <summary>An epoch's losses, accuracy, validation error, recoveries, time and the time left.</summary>
    public void EpochCompleted(GanTrainingProgress p) =>
        channel.Info(MessageSensitivity.None,
            (p.EnsembleSize > 1 ? $"Member {p.EnsembleMember}/{p.EnsembleSize}, epoch" : "Epoch")
            + $" {p.Epoch}/{p.MaxEpoch}: D loss {p.DiscriminatorLoss:F4}, G loss {p.GeneratorLoss:F4}, labeled accuracy {p.LabeledAccuracy:P1}"
            + (p.ValidationError is double e ? $", validation error {e:P2}" : "")
            + (p.CollapseRecoveries > 0 ? $", collapse recoveries {p.CollapseRecoveries}" : "")
            + $", {p.EpochSeconds:F1} s, ETA {p.EstimatedTimeLeft:hh\\:mm\\:ss}");

    /// <summary>Training stops after <paramref name="epoch"/>: <paramref name="patience"/> epochs without a better validation error than <paramref name="best"/>'s.</summary>
    public void StoppedEarly(int epoch, BestEpoch best, int patience) =>
        channel.Info(MessageSensitivity.None, $"Early stopping after epoch {epoch}: no better validation error than {best.Error:P2} (epoch {best.Epoch}) for {patience} epochs.");

    /// <summary>The averaged weights of the best epoch replace the last ones.</summary>
    public void KeptBestEpoch(BestEpoch best) =>
        channel.Info(MessageSensitivity.None, $"Keeping the averaged weights of epoch {best.Epoch}, validation error {best.Error:P2}.");

    /// <summary>The class priors estimated on the unlabeled rows, which shifted the classifier's logits.</summary>
    public void ClassPriorsEstimated(IEnumerable<double> prior) =>
        channel.Info(MessageSensitivity.None, $"Class priors estimated on the unlabeled rows: {string.Join(", ", prior.Select(p => p.ToString("P1")))}; logits shifted by log(prior / labeled share).");
}
