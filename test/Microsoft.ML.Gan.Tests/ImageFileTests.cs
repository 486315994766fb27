using Microsoft.ML.Data;
using SkiaSharp;

namespace Microsoft.ML.Gan.Tests;

/// <summary>
/// mlContext.Gan.SaveImages and SaveImageGrid on tiny hand-made images, read back with SkiaSharp's PNG decoder: pixel
/// values, the layout of planes and of the grid, and the errors for columns that are not images.
/// </summary>
[TestClass]
public sealed class ImageFileTests
{
    private sealed class PixelRow
    {
        public float[] Pixels { get; set; } = [];
    }

    private static IDataView Rows(MLContext ml, float[][] rows, params int[] dimensions)
    {
        var schema = SchemaDefinition.Create(typeof(PixelRow));
        schema[nameof(PixelRow.Pixels)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, dimensions);
        return ml.Data.LoadFromEnumerable(rows.Select(r => new PixelRow { Pixels = r }).ToArray(), schema);
    }

    private static string NewDirectory() => Directory.CreateTempSubdirectory("mlgan-images-").FullName;

    [TestMethod]
    public void GrayscalePixelsAreScaledBy255AndClampedRowByRow()
    {
        var ml = new MLContext(1);
        var data = Rows(ml, [[0f, 0.5f, 1f, -0.5f, 1.7f, 0.2f]], 6);
        var paths = ml.Gan.SaveImages(data, NewDirectory(), "Pixels", height: 2, width: 3);
        using var image = SKBitmap.Decode(paths.Single());
        Assert.AreEqual(3, image.Width);
        Assert.AreEqual(2, image.Height);
        byte[] expected = [0, 128, 255, 0, 255, 51];
        for (int i = 0; i < 6; i++)
        {
            var pixel = image.GetPixel(i % 3, i / 3);
            Assert.AreEqual(expected[i], pixel.Red, $"pixel {i}");
            Assert.AreEqual(pixel.Red, pixel.Blue, $"pixel {i} is gray");
        }
    }

    [TestMethod]
    public void ThreePlanesOfExtractPixelsShapeMakeAColourImage()
    {
        var ml = new MLContext(1);
        float[] planes = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0.2f];
        var data = Rows(ml, [planes], 3, 2, 2);
        var paths = ml.Gan.SaveImages(data, NewDirectory(), "Pixels");
        using var image = SKBitmap.Decode(paths.Single());
        Assert.AreEqual(new SKColor(255, 0, 0), image.GetPixel(0, 0));
        Assert.AreEqual(new SKColor(0, 255, 0), image.GetPixel(1, 0));
        Assert.AreEqual(new SKColor(0, 0, 255), image.GetPixel(0, 1));
        Assert.AreEqual(new SKColor(0, 0, 51), image.GetPixel(1, 1));
    }

    [TestMethod]
    public void TheGridPlacesImagesRowByRowInWhiteFrames()
    {
        var ml = new MLContext(1);
        var data = Rows(ml, [[0, 0, 0, 0], [0.2f, 0.2f, 0.2f, 0.2f], [0.4f, 0.4f, 0.4f, 0.4f]], 4);
        string path = Path.Combine(NewDirectory(), "grid.png");
        ml.Gan.SaveImageGrid(data, path, "Pixels", columns: 2);
        using var grid = SKBitmap.Decode(path);
        Assert.AreEqual(8, grid.Width);
        Assert.AreEqual(8, grid.Height);
        Assert.AreEqual(255, grid.GetPixel(0, 0).Red, "frame");
        Assert.AreEqual(0, grid.GetPixel(1, 1).Red, "image 0");
        Assert.AreEqual(51, grid.GetPixel(5, 2).Red, "image 1, right of image 0");
        Assert.AreEqual(102, grid.GetPixel(2, 5).Red, "image 2, first of the second row");
        Assert.AreEqual(255, grid.GetPixel(5, 5).Red, "no fourth image: white");
        Assert.AreEqual(1, Directory.GetFiles(Path.GetDirectoryName(path)!).Length, "no temporary file is left");
    }

    [TestMethod]
    public void ColumnsThatAreNotImagesAreNamedInTheError()
    {
        var ml = new MLContext(1);
        var data = Rows(ml, [[1, 2, 3, 4, 5]], 5);
        var notSquare = Assert.ThrowsExactly<ArgumentException>(() => ml.Gan.SaveImages(data, NewDirectory(), "Pixels"));
        StringAssert.Contains(notSquare.Message, "'Pixels' holds 5 values");
        var missing = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Gan.SaveImageGrid(data, "grid.png"));
        StringAssert.Contains(missing.Message, "Column 'Features' not found");
        StringAssert.Contains(missing.Message, "Pixels");
        var halfShape = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Gan.SaveImages(data, NewDirectory(), "Pixels", height: 5));
        StringAssert.Contains(halfShape.Message, "Height 5 and width 0");
        var wrongShape = Assert.ThrowsExactly<ArgumentException>(() => ml.Gan.SaveImages(data, NewDirectory(), "Pixels", height: 2, width: 2));
        StringAssert.Contains(wrongShape.Message, "not 1 or 3 planes of 2 x 2");
    }
}
