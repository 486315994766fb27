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
            var loaded = ModelFile.Load(ml, parsed.GetValue(model)!, out var inputSchema);
            using var session = loaded as IDisposable;
            var scored = loaded.Transform(data.Load(ml, parsed, ModelFile.HasTextLabel(inputSchema)));
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
        var getLabel = TextGetter(cursor, predicted);
        var getScore = cursor.GetGetter<VBuffer<float>>(score);
        var probabilities = default(VBuffer<float>);
        long rows = 0;
        while (cursor.MoveNext())
        {
            getScore(ref probabilities);
            writer.WriteLine(string.Join(",", probabilities.DenseValues().Select(p => p.ToString("G6", CultureInfo.InvariantCulture)).Prepend(getLabel())));
            rows++;
        }
        return rows;
    }

    /// <summary>The label value of each Score slot, from the key values of the model's Label column (numbers or text).</summary>
    private static IEnumerable<string> ClassNames(IDataView scored)
    {
        var label = scored.Schema["Label"];
        if (label.Annotations.Schema.GetColumnOrNull("KeyValues")?.Type is VectorDataViewType { ItemType: TextDataViewType })
        {
            var names = default(VBuffer<ReadOnlyMemory<char>>);
            label.GetKeyValues(ref names);
            return names.DenseValues().Select(v => v.ToString());
        }
        var values = default(VBuffer<float>);
        label.GetKeyValues(ref values);
        return values.DenseValues().Select(v => v.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Reads a numeric or text column as invariant text.</summary>
    private static Func<string> TextGetter(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        if (column.Type is TextDataViewType)
        {
            var getText = cursor.GetGetter<ReadOnlyMemory<char>>(column);
            var text = default(ReadOnlyMemory<char>);
            return () => { getText(ref text); return text.ToString(); };
        }
        var getNumber = cursor.GetGetter<float>(column);
        float number = 0;
        return () => { getNumber(ref number); return number.ToString(CultureInfo.InvariantCulture); };
    }
}
