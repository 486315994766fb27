namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>An IProgress that reports on the calling thread (Progress&lt;T&gt; posts to the thread pool).</summary>
internal sealed class SynchronousProgress(Action<GanTrainingProgress> report) : IProgress<GanTrainingProgress>
{
    public void Report(GanTrainingProgress value) => report(value);
}
