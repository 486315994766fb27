using System.CommandLine;

namespace Microsoft.ML.Gan.Cli;

/// <summary><c>mlgan evaluate</c>: loads model.zip and prints ML.NET's multiclass metrics on labeled data.</summary>
internal static class EvaluateCommand
{
    public static System.CommandLine.Command Create(TextWriter output)
    {
        var data = new DataSource("", "evaluation");
        var model = new Option<FileInfo>("--model") { Description = "The model.zip to evaluate.", DefaultValueFactory = _ => new FileInfo("model.zip") };
        var command = new System.CommandLine.Command("evaluate", "Print the accuracy of a saved model on labeled rows (unlabeled rows are skipped).") { model };
        foreach (var option in data.Options())
            command.Add(option);
        command.SetAction(parsed =>
        {
            var ml = new MLContext(1);
            var loaded = ModelFile.Load(ml, parsed.GetValue(model)!, out var inputSchema);
            using var session = loaded as IDisposable;
            Report(ml, loaded, data.Load(ml, parsed, ModelFile.HasTextLabel(inputSchema)), output);
            return MlganCli.Success;
        });
        return command;
    }

    /// <summary>Scores <paramref name="data"/> and prints the error rate, accuracies and log-loss over its labeled rows.</summary>
    public static void Report(MLContext ml, ITransformer model, IDataView data, TextWriter output)
    {
        var labeled = data.Schema["Label"].Type == Microsoft.ML.Data.NumberDataViewType.Single ? ml.Data.FilterRowsByMissingValues(data, "Label")
            : data.Schema["Label"].Type is Microsoft.ML.Data.TextDataViewType ? ml.Data.FilterByCustomPredicate<TextLabel>(data, row => row.Label.Length == 0)
            : data;
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(labeled));
        output.WriteLine($"Error rate: {(1 - metrics.MicroAccuracy) * 100:F2}%");
        output.WriteLine($"Micro accuracy: {metrics.MicroAccuracy:F4}, macro accuracy: {metrics.MacroAccuracy:F4}, log-loss: {metrics.LogLoss:F4}");
    }

    /// <summary>The text label of a row, for dropping unlabeled rows (empty labels).</summary>
    private sealed class TextLabel
    {
        public string Label { get; set; } = "";
    }
}
