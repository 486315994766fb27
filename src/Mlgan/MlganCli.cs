using System.CommandLine;

namespace Microsoft.ML.Gan.Cli;

/// <summary>
/// The command line: <c>train</c>, <c>evaluate</c>, <c>predict</c>, <c>generate</c> and <c>export-onnx</c>. Exit codes: 0 success, 1 a runtime error (a
/// one-line message; the stack trace with --verbose), 2 a usage error (the message and the command's help), 130 training
/// interrupted by Ctrl+C.
/// </summary>
internal static class MlganCli
{
    public const int Success = 0;
    public const int RuntimeError = 1;
    public const int UsageError = 2;

    /// <summary>Training stopped by Ctrl+C (SIGINT): 128 + 2, as shells report it.</summary>
    public const int Interrupted = 130;

    public static readonly Option<bool> Verbose = new("--verbose") { Description = "Print the stack trace of an error.", Recursive = true };

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand(
            "Semi-supervised classification with generative adversarial networks (Salimans et al., 2016) for ML.NET.\n"
            + "Train on a few labeled and many unlabeled rows, then evaluate and predict with the saved model.zip.")
        {
            TrainCommand.Create(output),
            EvaluateCommand.Create(output),
            PredictCommand.Create(output),
            GenerateCommand.Create(output),
            ExportOnnxCommand.Create(output),
            Verbose,
        };
        var parsed = root.Parse(args);
        var configuration = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        if (parsed.Errors.Count > 0)
        {
            foreach (var parseError in parsed.Errors)
                error.WriteLine(parseError.Message);
            error.WriteLine("Run 'mlgan --help' or 'mlgan <command> --help' for usage.");
            return UsageError;
        }
        try
        {
            return parsed.Invoke(configuration);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or InvalidDataException or FormatException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: {e.Message}");
            if (parsed.GetValue(Verbose))
                error.WriteLine(e);
            return e is ArgumentException ? UsageError : RuntimeError;
        }
    }
}
