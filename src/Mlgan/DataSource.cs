using System.CommandLine;
using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Cli;

/// <summary>
/// Where rows come from: IDX files (--images with optional --labels), a CSV/TSV file with a header (--csv): the
/// label column (--label-column, empty = unlabeled) and every other column as a numeric feature, or an image folder
/// with one subfolder per class (--image-folder; see <see cref="ImageFolder"/>).
/// </summary>
internal sealed class DataSource
{
    private readonly Option<FileInfo?> _images;
    private readonly Option<FileInfo?> _labels;
    private readonly Option<FileInfo?> _csv;
    private readonly Option<string> _labelColumn;
    private readonly Option<DirectoryInfo?> _imageFolder;
    private readonly Option<int> _imageSize;
    private readonly Option<bool> _color;

    public DataSource(string prefix, string role)
    {
        _images = new($"--{prefix}images") { Description = $"IDX images file (raw or .gz) of the {role} data." };
        _labels = new($"--{prefix}labels") { Description = $"IDX labels file matching --{prefix}images." };
        _csv = new($"--{prefix}csv") { Description = $"CSV or TSV file with a header row of the {role} data; empty label = unlabeled." };
        _labelColumn = new("--label-column") { Description = "Label column of the CSV/TSV files.", DefaultValueFactory = _ => "Label" };
        _imageFolder = new($"--{prefix}image-folder") { Description = $"Folder of {role} images, one subfolder per class; images in 'unlabeled' or at the top are unlabeled." };
        _imageSize = new("--image-size") { Description = "Width and height the images are resized to, in pixels.", DefaultValueFactory = _ => 28 };
        _color = new("--color") { Description = "Keep the images' three colour channels instead of converting them to grayscale." };
    }

    public IEnumerable<Option> Options(bool shared = true) =>
        shared ? [_images, _labels, _csv, _imageFolder, _labelColumn, _imageSize, _color] : [_images, _labels, _csv, _imageFolder];

    public bool IsGiven(ParseResult parsed) =>
        parsed.GetValue(_images) is not null || parsed.GetValue(_csv) is not null || parsed.GetValue(_imageFolder) is not null;

    /// <summary>The side the images are resized to when the rows come from an image folder, else null.</summary>
    public int? ImageSize(ParseResult parsed) => parsed.GetValue(_imageFolder) is null ? null : parsed.GetValue(_imageSize);

    /// <summary>Loads the rows as Label (Single with NaN, or text with empty, when missing) and Features (vector of Single).</summary>
    public IDataView Load(MLContext ml, ParseResult parsed)
    {
        var images = parsed.GetValue(_images);
        var csv = parsed.GetValue(_csv);
        var folder = parsed.GetValue(_imageFolder);
        if ((images is null ? 0 : 1) + (csv is null ? 0 : 1) + (folder is null ? 0 : 1) != 1)
            throw new ArgumentException($"Give one of {_images.Name} (IDX), {_csv.Name} (CSV/TSV) or {_imageFolder.Name}.");
        if (folder is not null)
            return ImageFolder.Load(ml, folder, parsed.GetValue(_imageSize), parsed.GetValue(_color));
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
