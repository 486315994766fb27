namespace Microsoft.ML.Gan.Tests;

/// <summary>Keeps every progress report of a training run, synchronously.</summary>
internal sealed class ProgressRecorder(List<GanTrainingProgress> reports) : IProgress<GanTrainingProgress>
{
    public void Report(GanTrainingProgress value) => reports.Add(value);
}
