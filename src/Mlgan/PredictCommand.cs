using System.CommandLine;
using System.Globalization;
using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Cli;

/// <summary><c>mlgan predict</c>: writes each row's predicted label and class probabilities as CSV.</summary>
internal static class PredictCommand
{
    public static System.CommandLine.Command Create(TextWriter output)
    {
        var data = new DataSource("", "input");
        var model = new Option<FileInfo>("--model") { Description = "The model.zip to predict with.", DefaultValueFactory = _ => new FileInfo("model.zip") };
        var result = new Option<FileInfo?>("--output") { Description = "CSV file for the predictions (default: standard output)." };
        var command = new System.CommandLine.Command("predict", "Write the predicted label and the class probabilities of every row as CSV.") { model, result };
        foreach (var option in data.Options())
            command.Add(option);
        command.SetAction(parsed =>
        {
            var ml = new MLContext(1);
            var scored = ModelFile.Load(ml, parsed.GetValue(model)!).Transform(data.Load(ml, parsed));
            if (parsed.GetValue(result) is FileInfo file)
            {
                using var writer = new StreamWriter(file.FullName);
                long rows = Write(scored, writer);
                output.WriteLine($"Wrote {rows} predictions to {file.FullName}");
            }
            else
            {
                Write(scored, output);
            }
            return MlganCli.Success;
        });
        return command;
    }

    private static long Write(IDataView scored, TextWriter writer)
    {
        var predicted = scored.Schema["PredictedLabel"];
        var score = scored.Schema["Score"];
        writer.WriteLine("PredictedLabel," + string.Join(",", ClassNames(scored).Select(name => $"Score[{name}]")));
        using var cursor = scored.GetRowCursor([predicted, score]);
        var getLabel = cursor.GetGetter<float>(predicted);
        var getScore = cursor.GetGetter<VBuffer<float>>(score);
        float label = 0;
        var probabilities = default(VBuffer<float>);
        long rows = 0;
        while (cursor.MoveNext())
        {
            getLabel(ref label);
            getScore(ref probabilities);
            writer.WriteLine(string.Join(",", probabilities.DenseValues().Select(p => p.ToString("G6", CultureInfo.InvariantCulture)).Prepend(label.ToString(CultureInfo.InvariantCulture))));
            rows++;
        }
        return rows;
    }

    /// <summary>The label value of each Score slot, from the key values of the model's Label column.</summary>
    private static IEnumerable<string> ClassNames(IDataView scored)
    {
        var label = scored.Schema["Label"];
        var values = default(VBuffer<float>);
        label.GetKeyValues(ref values);
        return values.DenseValues().Select(v => v.ToString(CultureInfo.InvariantCulture));
    }
}
