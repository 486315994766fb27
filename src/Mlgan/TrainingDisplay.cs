using Spectre.Console;

namespace Microsoft.ML.Gan.Cli;

/// <summary>
/// Shows training as it runs: a live Spectre.Console progress bar (epoch, losses, labeled accuracy, seconds per epoch,
/// ETA) on a terminal, or one plain line per epoch when the output is redirected or --plain is given.
/// </summary>
internal static class TrainingDisplay
{
    public static T Run<T>(TextWriter output, bool plain, SemiSupervisedGanTrainer.Options options, Func<T> train)
    {
        if (plain || Console.IsOutputRedirected || !ReferenceEquals(output, Console.Out))
        {
            options.Progress = new Reporter(p => output.WriteLine(Describe(p)));
            return train();
        }
        T result = default!;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("training", maxValue: options.MaxEpoch);
                options.Progress = new Reporter(p =>
                {
                    task.Description = Markup.Escape(Describe(p));
                    task.Value = p.Epoch;
                });
                result = train();
                task.Value = options.MaxEpoch;
            });
        return result;
    }

    private static string Describe(GanTrainingProgress p) =>
        $"epoch {p.Epoch}/{p.MaxEpoch}: D loss {p.DiscriminatorLoss:F3}, G loss {p.GeneratorLoss:F3}, labeled accuracy {p.LabeledAccuracy:P1}"
        + (p.ValidationError is double e ? $", validation error {e:P2}" : "")
        + $", {p.EpochSeconds:F1} s, ETA {p.EstimatedTimeLeft:hh\\:mm\\:ss}";

    private sealed class Reporter(Action<GanTrainingProgress> report) : IProgress<GanTrainingProgress>
    {
        public void Report(GanTrainingProgress value) => report(value);
    }
}
