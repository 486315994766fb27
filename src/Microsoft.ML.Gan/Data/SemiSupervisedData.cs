using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Data;

/// <summary>
/// The rows of a semi-supervised data view as tensors: every row's features (all rows serve as unlabeled data),
/// and the indices and 0-based classes of the labeled rows. Features are read once, straight into one buffer.
/// </summary>
internal sealed class SemiSupervisedData : IDisposable
{
    private SemiSupervisedData(Tensor features, Tensor labeledIndices, Tensor labeledClasses, int[] labeledPerClass)
    {
        Features = features;
        LabeledIndices = labeledIndices;
        LabeledClasses = labeledClasses;
        LabeledPerClass = labeledPerClass;
    }

    /// <summary>All rows' features, shape [rows, features].</summary>
    public Tensor Features { get; }

    /// <summary>Row indices of the labeled rows, Int64.</summary>
    public Tensor LabeledIndices { get; }

    /// <summary>0-based classes of the labeled rows, Int64, in the order of <see cref="LabeledIndices"/>.</summary>
    public Tensor LabeledClasses { get; }

    /// <summary>Number of labeled rows of each class.</summary>
    public int[] LabeledPerClass { get; }

    public long RowCount => Features.shape[0];

    public long LabeledCount => LabeledIndices.shape[0];

    /// <summary>
    /// Reads the rows straight into one buffer (sized from the row count when the view knows it); rejects NaN or
    /// infinite features, naming the column, row and slot.
    /// </summary>
    public static SemiSupervisedData Read(IDataView data, SemiSupervisedColumns columns, bool requireLabels)
    {
        int width = columns.FeatureCount;
        var values = new float[checked((data.GetRowCount() ?? 1024) * width)];
        var indices = new List<long>();
        var classes = new List<long>();
        var perClass = new int[columns.ClassCount];
        long rows = 0;
        using (var cursor = data.GetRowCursor([columns.Features, columns.Label]))
        {
            var getFeatures = cursor.GetGetter<VBuffer<float>>(columns.Features);
            var getLabel = cursor.GetGetter<uint>(columns.Label);
            var row = default(VBuffer<float>);
            uint label = 0;
            while (cursor.MoveNext())
            {
                getFeatures(ref row);
                if ((rows + 1) * width > values.Length)
                    Array.Resize(ref values, checked(values.Length * 2 + width));
                var destination = values.AsSpan(checked((int)(rows * width)), width);
                row.CopyTo(destination);
                for (int slot = 0; slot < width; slot++)
                {
                    if (!float.IsFinite(destination[slot]))
                        throw new InvalidOperationException(
                            $"Feature column '{columns.Features.Name}' has the value {destination[slot]} at row {rows}, slot {slot}; features must be finite numbers. Replace missing values first (e.g. mlContext.Transforms.ReplaceMissingValues).");
                }
                getLabel(ref label);
                if (label > 0)
                {
                    indices.Add(rows);
                    classes.Add(label - 1);
                    perClass[label - 1]++;
                }
                rows++;
            }
        }
        if (rows == 0)
            throw new InvalidOperationException("The training data has no rows.");
        if (requireLabels)
            CheckLabels(columns, indices.Count, perClass);
        if (values.Length != rows * width)
            Array.Resize(ref values, checked((int)(rows * width)));

        var features = tensor(values, [rows, width]);
        return new SemiSupervisedData(features, tensor(indices.ToArray()), tensor(classes.ToArray()), perClass);
    }

    private static void CheckLabels(SemiSupervisedColumns columns, int labeled, int[] perClass)
    {
        if (labeled == 0)
            throw new InvalidOperationException(
                $"Label column '{columns.Label.Name}' has no labeled rows: every value is missing (key 0). Semi-supervised training needs at least one labeled row of two or more classes.");
        int present = perClass.Count(c => c > 0);
        if (present < 2)
            throw new InvalidOperationException(
                $"Label column '{columns.Label.Name}' has labeled rows of a single class ({Array.FindIndex(perClass, c => c > 0) + 1} as key); a classifier needs labeled rows of at least two classes.");
    }

    public void Dispose()
    {
        Features.Dispose();
        LabeledIndices.Dispose();
        LabeledClasses.Dispose();
    }
}
