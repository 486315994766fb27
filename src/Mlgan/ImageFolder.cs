namespace Microsoft.ML.Gan.Cli;

/// <summary>
/// Images in a folder, one subfolder per class: "digits/3/a.png" is labeled "3"; images in a subfolder named
/// "unlabeled", or directly in the folder, are unlabeled. Loaded through ML.NET's image transforms (LoadImages,
/// ResizeImages, optionally ConvertToGrayscale, ExtractPixels scaled to [0, 1]) into Label (text, empty = unlabeled)
/// and Features.
/// </summary>
internal static class ImageFolder
{
    private const string Unlabeled = "unlabeled";
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".bmp"];

    public static IDataView Load(MLContext ml, DirectoryInfo folder, int size, bool color)
    {
        if (!folder.Exists)
            throw new DirectoryNotFoundException($"Image folder '{folder.FullName}' does not exist.");
        var files = folder.EnumerateFiles("*", SearchOption.AllDirectories)
            .Where(f => Extensions.Contains(f.Extension, StringComparer.OrdinalIgnoreCase))
            .OrderBy(f => f.FullName, StringComparer.Ordinal)
            .Select(f => new ImageRow { ImagePath = Path.GetRelativePath(folder.FullName, f.FullName), Label = ClassOf(folder, f) })
            .ToArray();
        if (files.Length == 0)
            throw new InvalidDataException($"Image folder '{folder.FullName}' has no {string.Join("/", Extensions)} files.");
        var pipeline = ml.Transforms.LoadImages("Image", folder.FullName, nameof(ImageRow.ImagePath))
            .Append(ml.Transforms.ResizeImages("Image", size, size));
        var pixels = color
            ? pipeline.Append(ml.Transforms.ExtractPixels("Features", "Image", scaleImage: 1f / 255))
            : pipeline.Append(ml.Transforms.ConvertToGrayscale("Image"))
                .Append(ml.Transforms.ExtractPixels("Features", "Image", Transforms.Image.ImagePixelExtractingEstimator.ColorBits.Red, scaleImage: 1f / 255));
        var rows = ml.Data.LoadFromEnumerable(files);
        return pixels.Append(ml.Transforms.DropColumns("Image", nameof(ImageRow.ImagePath))).Fit(rows).Transform(rows);
    }

    private static string ClassOf(DirectoryInfo folder, FileInfo file)
    {
        string relative = Path.GetRelativePath(folder.FullName, file.DirectoryName!);
        string top = relative.Split(Path.DirectorySeparatorChar)[0];
        return top is "." || top.Equals(Unlabeled, StringComparison.OrdinalIgnoreCase) ? "" : top;
    }

    private sealed class ImageRow
    {
        public string ImagePath { get; set; } = "";

        public string Label { get; set; } = "";
    }
}
