using System.CommandLine;
using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Cli;

/// <summary>
/// Where rows come from: IDX files (--images with optional --labels), a CSV/TSV file with a header (--csv): the
/// label column (--label-column: numbers or class names, empty = unlabeled) and every other column as a numeric
/// feature (see <see cref="CsvFile"/>), or an image folder
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

    /// <summary>Options named with <paramref name="prefix"/>; <paramref name="shared"/>'s label column, image size and colour options are reused.</summary>
    public DataSource(string prefix, string role, DataSource? shared = null)
    {
        _images = new($"--{prefix}images") { Description = $"IDX images file (raw or .gz) of the {role} data." };
        _labels = new($"--{prefix}labels") { Description = $"IDX labels file matching --{prefix}images." };
        _csv = new($"--{prefix}csv") { Description = $"CSV or TSV file (.csv, .tsv, or gzip-compressed .csv.gz, .tsv.gz) with a header row of the {role} data; empty label = unlabeled." };
        _labelColumn = shared?._labelColumn ?? new("--label-column") { Description = "Label column of the CSV/TSV files: numbers or class names; an empty cell is an unlabeled row.", DefaultValueFactory = _ => "Label" };
        _imageFolder = new($"--{prefix}image-folder") { Description = $"Folder of {role} images, one subfolder per class; images in 'unlabeled' or at the top are unlabeled." };
        _imageSize = shared?._imageSize ?? new("--image-size") { Description = "Width and height the images are resized to, in pixels.", DefaultValueFactory = _ => 28 };
        _color = shared?._color ?? new("--color") { Description = "Keep the images' three colour channels instead of converting them to grayscale." };
    }

    public IEnumerable<Option> Options(bool shared = true) =>
        shared ? [_images, _labels, _csv, _imageFolder, _labelColumn, _imageSize, _color] : [_images, _labels, _csv, _imageFolder];

    public bool IsGiven(ParseResult parsed) =>
        parsed.GetValue(_images) is not null || parsed.GetValue(_csv) is not null || parsed.GetValue(_imageFolder) is not null;

    /// <summary>Whether the rows come from a CSV/TSV file (tabular rows).</summary>
    public bool IsCsv(ParseResult parsed) => parsed.GetValue(_csv) is not null;

    /// <summary>The side the images are resized to when the rows come from an image folder, else null.</summary>
    public int? ImageSize(ParseResult parsed) => parsed.GetValue(_imageFolder) is null ? null : parsed.GetValue(_imageSize);

    /// <summary>
    /// Loads the rows as Label (Single with NaN, or text with empty, when missing) and Features (vector of Single). A CSV's
    /// label is text when <paramref name="textLabel"/> says so (a model's input schema), or, when null, when any label cell
    /// is not a number. <paramref name="training"/> also rejects empty or constant CSV feature columns.
    /// </summary>
    public IDataView Load(MLContext ml, ParseResult parsed, bool? textLabel = null, bool training = false)
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
        return CsvFile.Load(ml, csv!, parsed.GetValue(_labelColumn)!, textLabel, training);
    }
}
