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

        var labels = ReadLabels(data, column);
        var kept = new float[labels.Length];
        Array.Fill(kept, float.NaN);
        var random = new Random(seed);
        foreach (var (label, rows) in RowsByClass(labels))
        {
            if (rows.Count < labelsPerClass)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(labelsPerClass),
                    labelsPerClass,
                    $"Class {label} has {rows.Count} rows, fewer than the {labelsPerClass} labels per class requested.");
            }

            for (var i = 0; i < labelsPerClass; i++)
            {
                var j = random.Next(i, rows.Count);
                (rows[i], rows[j]) = (rows[j], rows[i]);
                kept[rows[i]] = label;
            }
        }

        return new LabelReplacingDataView(data, column.Index, kept);
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
