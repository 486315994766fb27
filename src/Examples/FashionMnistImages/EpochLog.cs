using Microsoft.ML.Gan;

namespace FashionMnistImages;

/// <summary>Writes one line per training epoch, on the training thread so that lines appear in order.</summary>
internal sealed class EpochLog(TextWriter log) : IProgress<GanTrainingProgress>
{
    public void Report(GanTrainingProgress value) =>
        log.WriteLine($"  epoch {value.Epoch}/{value.MaxEpoch}: labeled accuracy {value.LabeledAccuracy:P1}, {value.EpochSeconds:F1} s");
}
