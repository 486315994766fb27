using System.Globalization;
using Microsoft.ML.Data;
using Microsoft.ML.Gan.Networks;
using Microsoft.ML.Gan.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Data;

/// <summary>
/// Per-slot standardisation of the features, z = (x - mean) / std with the mean and (population) standard deviation of
/// the training rows: applied to the rows the networks train on, prepended to the exported classifier, and inverted on
/// the generator's samples. See <see cref="FeatureScaling.Standardize"/>. A slot with the same value in every training row
/// carries no information: it is mapped to 0, as ML.NET's NormalizeMeanVariance does, and generated with that value.
/// </summary>
internal sealed class FeatureStandardization
{
    /// <summary>Pixel data: the Auto rule leaves at least this many features, all in [0, 1], as they are.</summary>
    public const int MinimumPixelFeatures = 256;

    private const long ChunkRows = 4096;

    /// <summary><see cref="DescribeConstantSlots"/> lists at most this many slots.</summary>
    private const int ListedConstantSlots = 10;

    private FeatureStandardization(float[] mean, float[] standardDeviation)
    {
        Mean = mean;
        StandardDeviation = standardDeviation;
        InverseStandardDeviation = standardDeviation.Select(s => s > 0 ? 1f / s : 0f).ToArray();
        ConstantSlots = Enumerable.Range(0, standardDeviation.Length).Where(s => standardDeviation[s] == 0).ToArray();
    }

    /// <summary>Mean of each slot over the training rows.</summary>
    public float[] Mean { get; }

    /// <summary>Population standard deviation of each slot over the training rows; 0 for the <see cref="ConstantSlots"/>.</summary>
    public float[] StandardDeviation { get; }

    /// <summary>1 / <see cref="StandardDeviation"/>, and 0 for the <see cref="ConstantSlots"/>: standardising multiplies by it.</summary>
    public float[] InverseStandardDeviation { get; }

    /// <summary>
    /// The slots with the same value in every training row (a standard deviation of at most 1e-6 x max(1, |mean|)):
    /// standardising maps them to 0 whatever their value, and inverting gives the training value back.
    /// </summary>
    public int[] ConstantSlots { get; }

    /// <summary>
    /// A warning for <see cref="ConstantSlots"/> (which must not be empty) naming <paramref name="columnName"/>, the slots
    /// (the first <see cref="ListedConstantSlots"/>) and their values.
    /// </summary>
    public string DescribeConstantSlots(string columnName)
    {
        var listed = ConstantSlots.Take(ListedConstantSlots)
            .Select(s => string.Create(CultureInfo.InvariantCulture, $"slot {s} ({Mean[s]:G6})"));
        string more = ConstantSlots.Length > ListedConstantSlots ? $" and {ConstantSlots.Length - ListedConstantSlots} more" : "";
        return $"Feature column '{columnName}' has the same value in every training row in {string.Join(", ", listed)}{more}: "
            + "standardising maps such slots to 0, so the classifier ignores them (remove them to silence this warning).";
    }

    /// <summary>
    /// Whether <paramref name="scaling"/> standardises data of this range and size on <paramref name="architecture"/>; Auto
    /// leaves pixel data (at least <see cref="MinimumPixelFeatures"/> features in [0, 1]) and binary data (every value 0 or 1) alone.
    /// </summary>
    public static bool Applies(FeatureScaling scaling, GanArchitecture architecture, double min, double max, int featureCount, bool binary) => scaling switch
    {
        FeatureScaling.None => false,
        FeatureScaling.Standardize => true,
        _ => architecture == GanArchitecture.Mlp && !binary && !(min >= 0 && max <= 1 && featureCount >= MinimumPixelFeatures),
    };

    /// <summary>The standardisation of the rows [n, features] in <paramref name="features"/> (CPU), or null when <paramref name="scaling"/> leaves them alone.</summary>
    public static FeatureStandardization? For(FeatureScaling scaling, GanArchitecture architecture, Tensor features)
    {
        int width = (int)features.shape[1];
        if (scaling == FeatureScaling.None)
            return null;
        if (scaling == FeatureScaling.Auto)
        {
            using var smallest = features.min();
            using var largest = features.max();
            double min = smallest.item<float>(), max = largest.item<float>();
            using var zero = features.eq(HeldScalars.Zero);
            using var one = features.eq(HeldScalars.One);
            using var either = zero.logical_or(one);
            using var all = either.all();
            if (!Applies(scaling, architecture, min, max, width, all.item<bool>()))
                return null;
        }
        var statistics = new SlotStatistics(width);
        long rows = features.shape[0];
        for (long start = 0; start < rows; start += ChunkRows)
        {
            using var chunk = features.narrow(0, start, Math.Min(ChunkRows, rows - start)).contiguous();
            statistics.Add(chunk.data<float>().ToArray());
        }
        return statistics.Standardization();
    }

    /// <summary>As <see cref="For(FeatureScaling, GanArchitecture, Tensor)"/>, reading the rows from a cursor (streamed training).</summary>
    public static FeatureStandardization? For(FeatureScaling scaling, GanArchitecture architecture, IDataView data, DataViewSchema.Column column, int width)
    {
        if (scaling == FeatureScaling.None)
            return null;
        var statistics = new SlotStatistics(width);
        using (var cursor = data.GetRowCursor([column]))
        {
            var getter = cursor.GetGetter<VBuffer<float>>(column);
            var row = default(VBuffer<float>);
            var dense = new float[width];
            while (cursor.MoveNext())
            {
                getter(ref row);
                row.CopyTo(dense);
                statistics.Add(dense);
            }
        }
        return Applies(scaling, architecture, statistics.Min, statistics.Max, width, statistics.Binary) ? statistics.Standardization() : null;
    }

    /// <summary>Standardises <paramref name="rows"/> [n, features] in place.</summary>
    public void ApplyInPlace(Tensor rows)
    {
        using var mean = tensor(Mean, device: rows.device);
        using var inverse = tensor(InverseStandardDeviation, device: rows.device);
        rows.sub_(mean).mul_(inverse);
    }

    /// <summary>New rows x = z * std + mean: standardised rows <paramref name="rows"/> [n, features] in the features' units.</summary>
    public Tensor Invert(Tensor rows)
    {
        using var std = tensor(StandardDeviation, device: rows.device);
        using var mean = tensor(Mean, device: rows.device);
        return rows.mul(std).add_(mean, HeldScalars.One);
    }

    /// <summary>Adds (x - mean) * (1 / std) after <paramref name="input"/> to <paramref name="graph"/>; returns the standardised tensor's name.</summary>
    public string AddToOnnx(OnnxGraphBuilder graph, string input)
    {
        graph.AddInitializer("standardize_mean", Mean, Mean.Length);
        graph.AddInitializer("standardize_inverse_std", InverseStandardDeviation, Mean.Length);
        graph.AddNode("Sub", [input, "standardize_mean"], ["standardize_centered"]);
        graph.AddNode("Mul", ["standardize_centered", "standardize_inverse_std"], ["standardized"]);
        return "standardized";
    }

    /// <summary>Adds z * std + mean from <paramref name="input"/> to <paramref name="output"/> to <paramref name="graph"/>.</summary>
    public void AddInverseToOnnx(OnnxGraphBuilder graph, string input, string output)
    {
        graph.AddInitializer("destandardize_std", StandardDeviation, Mean.Length);
        graph.AddInitializer("destandardize_mean", Mean, Mean.Length);
        graph.AddNode("Mul", [input, "destandardize_std"], ["destandardize_scaled"]);
        graph.AddNode("Add", ["destandardize_scaled", "destandardize_mean"], [output]);
    }

    /// <summary>Running sums per slot in double, shifted by the first row so that large offsets do not cancel.</summary>
    private sealed class SlotStatistics(int width)
    {
        private readonly double[] _shift = new double[width];
        private readonly double[] _sum = new double[width];
        private readonly double[] _sumOfSquares = new double[width];
        private long _rows;

        public double Min { get; private set; } = double.PositiveInfinity;
        public double Max { get; private set; } = double.NegativeInfinity;

        /// <summary>Whether every value so far is 0 or 1.</summary>
        public bool Binary { get; private set; } = true;

        /// <summary>Adds whole rows laid out one after another in <paramref name="values"/>.</summary>
        public void Add(float[] values)
        {
            for (int offset = 0; offset < values.Length; offset += width)
            {
                if (_rows == 0)
                {
                    for (int s = 0; s < width; s++)
                        _shift[s] = values[s];
                }
                for (int s = 0; s < width; s++)
                {
                    double v = values[offset + s];
                    double d = v - _shift[s];
                    _sum[s] += d;
                    _sumOfSquares[s] += d * d;
                    Min = Math.Min(Min, v);
                    Max = Math.Max(Max, v);
                    Binary &= v == 0 || v == 1;
                }
                _rows++;
            }
        }

        public FeatureStandardization Standardization()
        {
            var mean = new float[width];
            var std = new float[width];
            for (int s = 0; s < width; s++)
            {
                double m = _sum[s] / _rows;
                double variance = Math.Max(0, _sumOfSquares[s] / _rows - m * m);
                double deviation = Math.Sqrt(variance);
                mean[s] = (float)(_shift[s] + m);
                std[s] = deviation > 1e-6 * Math.Max(1, Math.Abs(_shift[s] + m)) ? (float)deviation : 0f;
            }
            return new FeatureStandardization(mean, std);
        }
    }
}
