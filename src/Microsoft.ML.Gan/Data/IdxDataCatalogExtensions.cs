using Microsoft.ML.Gan.Data;

namespace Microsoft.ML.Gan;

/// <summary>Loads IDX files (the MNIST format) into an <see cref="IDataView"/>.</summary>
public static class IdxDataCatalogExtensions
{
    /// <summary>
    /// Loads an IDX images file and, optionally, its labels file. Both may be raw or gzip-compressed
    /// (detected from the content, not the extension).
    /// </summary>
    /// <param name="catalog">The data operations catalog, e.g. <c>mlContext.Data</c>.</param>
    /// <param name="imagesPath">Unsigned-byte 3-D IDX file (magic 0x00000803), e.g. <c>train-images-idx3-ubyte.gz</c>.</param>
    /// <param name="labelsPath">Unsigned-byte 1-D IDX file (magic 0x00000801) with one label per image; <see langword="null"/> (default) for no labels.</param>
    /// <returns>
    /// A view with columns <c>Label</c> (Single: the digit, NaN when <paramref name="labelsPath"/> is null)
    /// and <c>Features</c> (vector of Single of known size height * width, pixel values scaled to [0, 1]).
    /// </returns>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="InvalidDataException">A file is malformed, truncated, or the label and image counts differ.</exception>
    public static IDataView LoadFromIdx(this DataOperationsCatalog catalog, string imagesPath, string? labelsPath = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrEmpty(imagesPath);
        var images = IdxReader.ReadImages(imagesPath);
        var labels = labelsPath is null ? null : IdxReader.ReadLabels(labelsPath, images.Count, imagesPath);
        return new IdxDataView(images, labels);
    }
}
