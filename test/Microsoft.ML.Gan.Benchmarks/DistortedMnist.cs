using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>
/// A data view of any number of MNIST-like rows generated on the fly: row i is training image i mod 60,000 shifted by
/// up to two pixels in each direction (a shift drawn from i), so the view holds only the 60,000 source images however
/// many rows it has. Ten rows per class (among the first 60,000) carry their label; the rest have NaN (unlabeled),
/// which MapValueToKey turns into key 0.
/// </summary>
internal static class DistortedMnist
{
    public sealed class Row
    {
        [VectorType(784)]
        public float[] Features { get; set; } = [];

        public float Label { get; set; }
    }

    public static IDataView Create(MLContext ml, long rows)
    {
        var (train, _) = MnistDataset.Load(ml, Repository.DataDirectory);
        var source = ml.Data.CreateEnumerable<Digit>(train, reuseRowObject: false).ToArray();
        var labeled = new HashSet<int>(source.Select((d, i) => (d.Label, i)).GroupBy(p => p.Label).SelectMany(g => g.Take(10).Select(p => p.i)));
        var generated = ml.Data.LoadFromEnumerable(Generate(source, labeled, rows));
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.TakeRows(generated, source.Length));
        return keys.Transform(generated);
    }

    private static IEnumerable<Row> Generate(Digit[] source, HashSet<int> labeled, long rows)
    {
        for (long i = 0; i < rows; i++)
        {
            int index = (int)(i % source.Length);
            int dx = i < source.Length ? 0 : (int)(i * 7 % 5) - 2;
            int dy = i < source.Length ? 0 : (int)(i * 11 % 5) - 2;
            var pixels = new float[784];
            var image = source[index].Features;
            for (int y = 0; y < 28; y++)
            {
                int sy = y - dy;
                if (sy is < 0 or >= 28)
                    continue;
                for (int x = 0; x < 28; x++)
                {
                    int sx = x - dx;
                    if (sx is >= 0 and < 28)
                        pixels[y * 28 + x] = image[sy * 28 + sx];
                }
            }
            bool isLabeled = i < source.Length && labeled.Contains(index);
            yield return new Row { Features = pixels, Label = isLabeled ? source[index].Label : float.NaN };
        }
    }
}
