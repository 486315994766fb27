using System.Globalization;
using System.Text;
using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Cli;

/// <summary>
/// A CSV or TSV file (plain, or gzip-compressed as .csv.gz / .tsv.gz) with a header row: one label column (numbers, or text such as <c>van</c>, <c>bus</c>; an empty cell
/// is an unlabeled row) and every other column a numeric feature. The file is checked line by line before ML.NET's
/// TextLoader reads it, so a bad cell is reported by column and line rather than read as a missing value.
/// </summary>
internal static class CsvFile
{
    /// <summary>
    /// Loads the rows as Label (Single with NaN, or text with empty, when missing) and Features (vector of Single). The label
    /// is text when <paramref name="textLabel"/> says so, or, when it is null, when any label cell is not a number.
    /// <paramref name="training"/> also rejects feature columns without a value or with a single value on every line.
    /// </summary>
    public static IDataView Load(MLContext ml, FileInfo file, string labelColumn, bool? textLabel, bool training)
    {
        if (!file.Exists)
            throw new FileNotFoundException($"File '{file.FullName}' does not exist.", file.FullName);
        bool compressed = file.Extension.Equals(".gz", StringComparison.OrdinalIgnoreCase);
        string uncompressedName = compressed ? Path.GetFileNameWithoutExtension(file.Name) : file.Name;
        char separator = Path.GetExtension(uncompressedName).Equals(".tsv", StringComparison.OrdinalIgnoreCase) ? '\t' : ',';
        var source = compressed ? new GzipFileSource(file.FullName) : (IMultiStreamSource)new MultiFileSource(file.FullName);
        using var reader = ReadText(source, file);
        string header = reader.ReadLine() ?? throw new InvalidDataException($"File '{file.FullName}' is empty; a header row is expected.");
        var names = Split(header, separator).Select(n => n.Trim()).ToArray();
        int label = Array.IndexOf(names, labelColumn);
        if (label < 0)
            throw new ArgumentException($"File '{file.FullName}' has no column '{labelColumn}'; its columns are {string.Join(", ", names)}. Use --label-column.");
        if (names.Length < 2)
            throw new InvalidDataException($"File '{file.FullName}' has no feature columns besides '{labelColumn}'.");
        var columns = new ColumnSummary[names.Length];
        bool numericLabels = true;
        long rows = 0;
        int lineNumber = 1;
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lineNumber++;
            if (line.Length == 0)
                continue;
            var cells = Split(line, separator);
            if (cells.Count != names.Length)
                throw new InvalidDataException($"File '{file.FullName}', line {lineNumber}: {cells.Count} cells, but the header names {names.Length} columns.");
            for (int c = 0; c < cells.Count; c++)
            {
                string cell = cells[c].Trim();
                if (c == label)
                {
                    numericLabels &= cell.Length == 0 || float.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
                    continue;
                }
                if (cell.Length == 0)
                    continue;
                if (!float.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out float value))
                    throw new InvalidDataException($"File '{file.FullName}', line {lineNumber}, column '{names[c]}': '{cell}' is not a number; feature columns must be numeric (an empty cell is a missing value).");
                columns[c].Add(value);
            }
            rows++;
        }
        if (rows == 0)
            throw new InvalidDataException($"File '{file.FullName}' has a header but no rows.");
        if (training)
        {
            for (int c = 0; c < names.Length; c++)
            {
                if (c == label)
                    continue;
                if (columns[c].Count == 0)
                    throw new InvalidDataException($"File '{file.FullName}': feature column '{names[c]}' is empty on all {rows} lines; remove it.");
                if (rows > 1 && columns[c].Min == columns[c].Max)
                    throw new InvalidDataException(
                        $"File '{file.FullName}': feature column '{names[c]}' has the value {columns[c].Min.ToString(CultureInfo.InvariantCulture)} on every line; it carries no information, remove it.");
            }
        }
        var features = Enumerable.Range(0, names.Length).Where(i => i != label).Select(i => new TextLoader.Range(i)).ToArray();
        return ml.Data.CreateTextLoader(new TextLoader.Options
        {
            Separators = [separator],
            HasHeader = true,
            AllowQuoting = true,
            MissingRealsAsNaNs = true,
            Columns =
            [
                new TextLoader.Column("Label", textLabel ?? !numericLabels ? DataKind.String : DataKind.Single, label),
                new TextLoader.Column("Features", DataKind.Single, features),
            ],
        }).Load(source);
    }

    /// <summary>The file's text; a .gz file that is not gzip data is reported by name.</summary>
    private static TextReader ReadText(IMultiStreamSource source, FileInfo file)
    {
        var reader = source.OpenTextReader(0);
        try
        {
            reader.Peek();
            return reader;
        }
        catch (InvalidDataException e)
        {
            reader.Dispose();
            throw new InvalidDataException($"File '{file.FullName}' ends in .gz but is not gzip-compressed data: {e.Message}", e);
        }
    }

    /// <summary>The cells of one line: a cell in double quotes may hold the separator, and "" inside it is one quote.</summary>
    internal static List<string> Split(string line, char separator)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c != '"')
                    cell.Append(c);
                else if (i + 1 < line.Length && line[i + 1] == '"')
                    cell.Append(line[++i]);
                else
                    quoted = false;
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == separator)
            {
                cells.Add(cell.ToString());
                cell.Clear();
            }
            else
            {
                cell.Append(c);
            }
        }
        cells.Add(cell.ToString());
        return cells;
    }

    /// <summary>How many values a feature column has and their range.</summary>
    private struct ColumnSummary
    {
        public long Count;
        public float Min;
        public float Max;

        public void Add(float value)
        {
            Min = Count == 0 ? value : Math.Min(Min, value);
            Max = Count == 0 ? value : Math.Max(Max, value);
            Count++;
        }
    }
}
