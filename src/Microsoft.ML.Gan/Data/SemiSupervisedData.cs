using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Data;

/// <summary>
/// The rows of a semi-supervised data view as tensors: the features (of every row, since all rows serve as unlabeled
/// data, or of the labeled rows only when the unlabeled rows are streamed), and the indices into them and 0-based
/// classes of the labeled rows. Features are read once, straight into one buffer.
/// </summary>
internal sealed class SemiSupervisedData : IDisposable
{
    private SemiSupervisedData(Tensor features, Tensor labeledIndices, Tensor labeledClasses, int[] labeledPerClass, long rowCount)
    {
        Features = features;
        LabeledIndices = labeledIndices;
        LabeledClasses = labeledClasses;
        LabeledPerClass = labeledPerClass;
        RowCount = rowCount;
    }

    /// <summary>The features kept in memory, shape [rows kept, features]: all rows, or only the labeled ones.</summary>
    public Tensor Features { get; }

    /// <summary>Indices of the labeled rows in <see cref="Features"/>, Int64.</summary>
    public Tensor LabeledIndices { get; }

    /// <summary>0-based classes of the labeled rows, Int64, in the order of <see cref="LabeledIndices"/>.</summary>
    public Tensor LabeledClasses { get; }

    /// <summary>Number of labeled rows of each class.</summary>
    public int[] LabeledPerClass { get; }

    /// <summary>Rows of the data view, labeled or not.</summary>
    public long RowCount { get; }

    public long LabeledCount => LabeledIndices.shape[0];

    /// <summary>
    /// Reads the rows straight into one buffer (sized from the row count when the view knows it), or only the labeled
    /// rows when <paramref name="labeledRowsOnly"/>; rejects NaN or infinite features, naming the column, row and slot.
    /// </summary>
    public static SemiSupervisedData Read(IDataView data, SemiSupervisedColumns columns, bool requireLabels, bool labeledRowsOnly = false)
    {
        int width = columns.FeatureCount;
        var buffer = new RowBuffer(width, labeledRowsOnly ? null : data.GetRowCount());
        var indices = new List<long>();
        var classes = new List<long>();
        var perClass = new int[columns.ClassCount];
        var scratch = new float[width];
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
                getLabel(ref label);
                var destination = label > 0 || !labeledRowsOnly ? buffer.Append() : scratch;
                row.CopyTo(destination);
                for (int slot = 0; slot < width; slot++)
                {
                    if (!float.IsFinite(destination[slot]))
                        throw new InvalidOperationException(
                            $"Feature column '{columns.Features.Name}' has the value {destination[slot]} at row {rows}, slot {slot}; features must be finite numbers. Replace missing values first (e.g. mlContext.Transforms.ReplaceMissingValues).");
                }
                if (label > 0)
                {
                    indices.Add(buffer.Count - 1);
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
        // from_array shares the managed buffer with the tensor: the rows are copied once, from the cursor.
        using var flat = from_array(buffer.ToArray());
        var features = flat.view(buffer.Count, width);
        return new SemiSupervisedData(features, tensor(indices.ToArray()), tensor(classes.ToArray()), perClass, rows);
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
