using Spectre.Console;

namespace Microsoft.ML.Gan.Cli;

/// <summary>
/// Shows training as it runs: a live Spectre.Console progress bar (epoch, losses, labeled accuracy, seconds per epoch,
/// ETA) on a terminal, or one plain line per epoch when the output is redirected or --plain is given.
/// </summary>
internal static class TrainingDisplay
{
    /// <summary>Runs <paramref name="train"/> showing its progress; <paramref name="alsoReport"/> also receives every epoch.</summary>
    public static T Run<T>(TextWriter output, bool plain, SemiSupervisedGanTrainer.Options options, Func<T> train, Action<GanTrainingProgress>? alsoReport = null)
    {
        if (plain || Console.IsOutputRedirected || !ReferenceEquals(output, Console.Out))
        {
            options.Progress = new Reporter(p =>
            {
                output.WriteLine(Describe(p));
                alsoReport?.Invoke(p);
            });
            return train();
        }
        T result = default!;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("training", maxValue: options.MaxEpoch * options.EnsembleSize);
                options.Progress = new Reporter(p =>
                {
                    task.Description = Markup.Escape(Summarize(p));
                    task.Value = p.OverallEpoch;
                    alsoReport?.Invoke(p);
                });
                result = train();
                task.Value = task.MaxValue;
            });
        return result;
    }

    /// <summary>A line short enough to sit beside the bar on an 80-column terminal.</summary>
    private static string Summarize(GanTrainingProgress p) =>
        (p.EnsembleSize > 1 ? $"member {p.EnsembleMember}/{p.EnsembleSize} " : "")
        + $"epoch {p.Epoch}/{p.MaxEpoch} D {p.DiscriminatorLoss:F3} G {p.GeneratorLoss:F3} acc {p.LabeledAccuracy:P0}"
        + (p.ValidationError is double e ? $" val {e:P1}" : "") + $" {p.EpochSeconds:F0} s";

    private static string Describe(GanTrainingProgress p) =>
        (p.EnsembleSize > 1 ? $"member {p.EnsembleMember}/{p.EnsembleSize}, " : "")
        + $"epoch {p.Epoch}/{p.MaxEpoch}: D loss {p.DiscriminatorLoss:F3}, G loss {p.GeneratorLoss:F3}, labeled accuracy {p.LabeledAccuracy:P1}"
        + (p.ValidationError is double e ? $", validation error {e:P2}" : "")
        + $", {p.EpochSeconds:F1} s, ETA {p.EstimatedTimeLeft:hh\\:mm\\:ss}";

    private sealed class Reporter(Action<GanTrainingProgress> report) : IProgress<GanTrainingProgress>
    {
        public void Report(GanTrainingProgress value) => report(value);
    }
}
