using System.CommandLine;
using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Cli;

/// <summary>
/// Where rows come from: IDX files (--images with optional --labels) or a CSV/TSV file with a header (--csv): the
/// label column (--label-column, empty = unlabeled) and every other column as a numeric feature.
/// </summary>
internal sealed class DataSource
{
    private readonly Option<FileInfo?> _images;
    private readonly Option<FileInfo?> _labels;
    private readonly Option<FileInfo?> _csv;
    private readonly Option<string> _labelColumn;

    public DataSource(string prefix, string role)
    {
        _images = new($"--{prefix}images") { Description = $"IDX images file (raw or .gz) of the {role} data." };
        _labels = new($"--{prefix}labels") { Description = $"IDX labels file matching --{prefix}images." };
        _csv = new($"--{prefix}csv") { Description = $"CSV or TSV file with a header row of the {role} data; empty label = unlabeled." };
        _labelColumn = new($"--label-column") { Description = "Label column of the CSV/TSV files.", DefaultValueFactory = _ => "Label" };
    }

    public IEnumerable<Option> Options(bool withLabelColumn = true) =>
        withLabelColumn ? [_images, _labels, _csv, _labelColumn] : [_images, _labels, _csv];

    public bool IsGiven(ParseResult parsed) => parsed.GetValue(_images) is not null || parsed.GetValue(_csv) is not null;

    /// <summary>Loads the rows as Label (Single, NaN when missing) and Features (vector of Single).</summary>
    public IDataView Load(MLContext ml, ParseResult parsed)
    {
        var images = parsed.GetValue(_images);
        var csv = parsed.GetValue(_csv);
        if ((images is null) == (csv is null))
            throw new ArgumentException($"Give either {_images.Name} (IDX) or {_csv.Name} (CSV/TSV).");
        if (images is not null)
            return ml.Data.LoadFromIdx(images.FullName, parsed.GetValue(_labels)?.FullName);
        return LoadText(ml, csv!, parsed.GetValue(_labelColumn)!);
    }

    private static IDataView LoadText(MLContext ml, FileInfo file, string labelColumn)
    {
        if (!file.Exists)
            throw new FileNotFoundException($"File '{file.FullName}' does not exist.", file.FullName);
        char separator = file.Extension.Equals(".tsv", StringComparison.OrdinalIgnoreCase) ? '\t' : ',';
        string header = File.ReadLines(file.FullName).FirstOrDefault()
            ?? throw new InvalidDataException($"File '{file.FullName}' is empty; a header row is expected.");
        var names = header.Split(separator).Select(n => n.Trim()).ToArray();
        int label = Array.IndexOf(names, labelColumn);
        if (label < 0)
            throw new ArgumentException($"File '{file.FullName}' has no column '{labelColumn}'; its columns are {string.Join(", ", names)}. Use --label-column.");
        if (names.Length < 2)
            throw new InvalidDataException($"File '{file.FullName}' has no feature columns besides '{labelColumn}'.");
        var features = Enumerable.Range(0, names.Length).Where(i => i != label).Select(i => new TextLoader.Range(i)).ToArray();
        return ml.Data.LoadFromTextFile(file.FullName, new TextLoader.Options
        {
            Separators = [separator],
            HasHeader = true,
            MissingRealsAsNaNs = true,
            Columns =
            [
                new TextLoader.Column("Label", DataKind.Single, label),
                new TextLoader.Column("Features", DataKind.Single, features),
            ],
        });
    }
}
