using Microsoft.ML.Gan.IO;

namespace Microsoft.ML.Gan;

/// <summary>
/// PNG files of pixel vectors on <see cref="GanCatalog"/> (<c>mlContext.Gan</c>), written with the library's own encoder:
/// the generator's samples, or any rows of images.
/// </summary>
public static class GanCatalogImageExtensions
{
    extension(GanCatalog catalog)
    {
        /// <summary>
        /// Writes each row's image as a PNG file, 00000.png, 00001.png, ..., in <paramref name="directory"/> (created when
        /// missing), e.g. the samples of <see cref="SemiSupervisedGanTransformer.Generate(int, int)"/>, and returns the paths.
        /// </summary>
        /// <param name="images">Rows with a known-size vector of Single: pixel values in [0, 1] (clamped), planes in
        /// ExtractPixels' order [channels, height, width], 1 plane for grayscale, 3 (red, green, blue) for colour.</param>
        /// <param name="directory">Folder of the files; files of the same names are replaced.</param>
        /// <param name="columnName">The pixel column.</param>
        /// <param name="height">Image height in pixels; 0 takes the column's [channels, height, width] dimensions or a square.</param>
        /// <param name="width">Image width in pixels; 0 as for the height.</param>
        public IReadOnlyList<string> SaveImages(IDataView images, string directory, string columnName = ColumnNames.Features, int height = 0, int width = 0)
        {
            var (column, shape) = ImageColumn(images, columnName, height, width);
            Directory.CreateDirectory(directory);
            var paths = new List<string>();
            foreach (var row in ImageFiles.Read(images, column))
            {
                string path = Path.Combine(directory, $"{paths.Count:D5}.png");
                ImageFiles.Write(path, row, shape);
                paths.Add(path);
            }
            return paths;
        }

        /// <summary>
        /// Writes the rows' images side by side as one PNG grid, each framed by one white pixel, for a look at many samples at
        /// once. The arguments are those of <see cref="SaveImages"/>; <paramref name="columns"/> is the number of images per
        /// grid row, 0 for a square grid. The file is written to a temporary file and renamed.
        /// </summary>
        public void SaveImageGrid(IDataView images, string path, string columnName = ColumnNames.Features, int columns = 0, int height = 0, int width = 0)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(columns);
            var (column, shape) = ImageColumn(images, columnName, height, width);
            var rows = ImageFiles.Read(images, column);
            if (rows.Count == 0)
                throw new ArgumentException($"Column '{columnName}' has no rows to draw.", nameof(images));
            ImageFiles.WriteGrid(path, rows, shape, columns);
        }
    }

    private static (DataViewSchema.Column Column, (int Channels, int Height, int Width) Shape) ImageColumn(IDataView images, string columnName, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(images);
        var column = images.Schema.GetColumnOrNull(columnName)
            ?? throw new ArgumentOutOfRangeException(nameof(columnName), $"Column '{columnName}' not found; the data has columns: {string.Join(", ", images.Schema.Select(c => c.Name))}.");
        return (column, ImageFiles.Shape(column, height, width));
    }
}
