using Microsoft.ML.Data;
using Microsoft.ML.Gan.Data;

namespace Microsoft.ML.Gan;

/// <summary>Hides most labels of a data set to simulate the semi-supervised setting.</summary>
public static class LabelSubsetting
{
    /// <summary>
    /// Keeps the label of <paramref name="labelsPerClass"/> randomly chosen rows per class and sets every
    /// other row's label to missing (NaN). The same <paramref name="seed"/> always keeps the same rows.
    /// Rows whose label is already NaN stay NaN; all other columns pass through unchanged.
    /// </summary>
    /// <param name="catalog">The data operations catalog, e.g. <c>mlContext.Data</c>.</param>
    /// <param name="data">The input view; it is read once to choose the rows. The result does not support shuffling.</param>
    /// <param name="labelsPerClass">Number of labelled rows to keep per class; must be positive.</param>
    /// <param name="seed">Seed of the random choice.</param>
    /// <param name="labelColumnName">Name of the label column, of type Single; default <c>Label</c>.</param>
    /// <returns>A view with the same schema and rows as <paramref name="data"/> and the reduced labels.</returns>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="labelsPerClass"/> is not positive, or a class has fewer rows than <paramref name="labelsPerClass"/>.
    /// </exception>
    /// <exception cref="ArgumentException">The label column is missing or is not of type Single.</exception>
    public static IDataView KeepLabelsPerClass(
        this DataOperationsCatalog catalog,
        IDataView data,
        int labelsPerClass,
        int seed,
        string labelColumnName = IdxDataView.LabelColumnName)
    {
        var (column, labels) = ReadLabels(catalog, data, labelsPerClass, labelColumnName);
        var random = new Random(seed);
        var kept = Keep(labels, labelsPerClass, rows =>
        {
            for (var i = 0; i < labelsPerClass; i++)
            {
                var j = random.Next(i, rows.Count);
                (rows[i], rows[j]) = (rows[j], rows[i]);
            }
        });
        return new LabelReplacingDataView(data, column.Index, kept);
    }

    /// <summary>
    /// Keeps the labels the official code of "Improved Techniques for Training GANs" keeps (its MNIST scripts'
    /// <c>--seed_data</c> and <c>--count</c>): the rows in the order of NumPy's <c>RandomState(seed).permutation</c>,
    /// then the first <paramref name="labelsPerClass"/> rows of each class in that order; every other label becomes
    /// missing (NaN). On the MNIST training set in its file order, seed 1 and 10 per class are the paper's 100 labels,
    /// so results can be compared with the paper's and its reproductions' on the same labelled rows.
    /// </summary>
    /// <param name="catalog">The data operations catalog, e.g. <c>mlContext.Data</c>.</param>
    /// <param name="data">The input view; it is read once to choose the rows. The result does not support shuffling.</param>
    /// <param name="labelsPerClass">Number of labelled rows to keep per class; must be positive.</param>
    /// <param name="seed">The NumPy seed (0 to 2^32 - 1); the scripts' default is 1.</param>
    /// <param name="labelColumnName">Name of the label column, of type Single; default <c>Label</c>.</param>
    /// <returns>A view with the same schema and rows as <paramref name="data"/> and the reduced labels.</returns>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="labelsPerClass"/> is not positive, or a class has fewer rows than <paramref name="labelsPerClass"/>.
    /// </exception>
    /// <exception cref="ArgumentException">The label column is missing or is not of type Single.</exception>
    public static IDataView KeepLabelsPerClassAsOfficialCode(
        this DataOperationsCatalog catalog,
        IDataView data,
        int labelsPerClass,
        uint seed,
        string labelColumnName = IdxDataView.LabelColumnName)
    {
        var (column, labels) = ReadLabels(catalog, data, labelsPerClass, labelColumnName);
        var order = new NumPyRandomState(seed).Permutation(labels.Length);
        var rank = new int[order.Length];
        for (var position = 0; position < order.Length; position++)
            rank[order[position]] = position;
        var kept = Keep(labels, labelsPerClass, rows => rows.Sort((a, b) => rank[a].CompareTo(rank[b])));
        return new LabelReplacingDataView(data, column.Index, kept);
    }

    /// <summary>Keeps the labels of the first <paramref name="labelsPerClass"/> rows of each class after <paramref name="order"/> reorders them.</summary>
    private static float[] Keep(float[] labels, int labelsPerClass, Action<List<int>> order)
    {
        var kept = new float[labels.Length];
        Array.Fill(kept, float.NaN);
        foreach (var (label, rows) in RowsByClass(labels))
        {
            if (rows.Count < labelsPerClass)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(labelsPerClass),
                    labelsPerClass,
                    $"Class {label} has {rows.Count} rows, fewer than the {labelsPerClass} labels per class requested.");
            }

            order(rows);
            for (var i = 0; i < labelsPerClass; i++)
                kept[rows[i]] = label;
        }

        return kept;
    }

    private static (DataViewSchema.Column Column, float[] Labels) ReadLabels(
        DataOperationsCatalog catalog, IDataView data, int labelsPerClass, string labelColumnName)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(labelsPerClass);
        var column = data.Schema.GetColumnOrNull(labelColumnName)
            ?? throw new ArgumentException($"The data has no column named '{labelColumnName}'.", nameof(labelColumnName));
        if (column.Type != NumberDataViewType.Single)
        {
            throw new ArgumentException(
                $"Label column '{labelColumnName}' has type {column.Type}, expected Single.", nameof(labelColumnName));
        }

        return (column, ReadLabels(data, column));
    }

    private static float[] ReadLabels(IDataView data, DataViewSchema.Column column)
    {
        var labels = new List<float>();
        using var cursor = data.GetRowCursor([column]);
        var getter = cursor.GetGetter<float>(column);
        var value = 0f;
        while (cursor.MoveNext())
        {
            getter(ref value);
            labels.Add(value);
        }

        return [.. labels];
    }

    private static SortedDictionary<float, List<int>> RowsByClass(float[] labels)
    {
        var rowsByClass = new SortedDictionary<float, List<int>>();
        for (var row = 0; row < labels.Length; row++)
        {
            var label = labels[row];
            if (float.IsNaN(label))
            {
                continue;
            }

            if (!rowsByClass.TryGetValue(label, out var rows))
            {
                rows = [];
                rowsByClass[label] = rows;
            }

            rows.Add(row);
        }

        return rowsByClass;
    }
}
