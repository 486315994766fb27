using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Metrics;

/// <summary>Reads a known-size vector column of Single into rows of doubles, naming the column when it does not fit.</summary>
internal static class VectorColumn
{
    public static double[][] Read(IDataView data, string columnName)
    {
        var column = data.Schema.GetColumnOrNull(columnName)
            ?? throw new ArgumentOutOfRangeException(nameof(columnName), $"Column '{columnName}' not found; the data has columns: {string.Join(", ", data.Schema.Select(c => c.Name))}.");
        if (column.Type is not VectorDataViewType { ItemType: NumberDataViewType n, IsKnownSize: true } || n != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(columnName), $"Column '{columnName}' has type {column.Type}; expected a vector of Single of known size.");
        var rows = new List<double[]>();
        using var cursor = data.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        var value = default(VBuffer<float>);
        while (cursor.MoveNext())
        {
            getter(ref value);
            rows.Add(value.DenseValues().Select(v => (double)v).ToArray());
        }
        if (rows.Count == 0)
            throw new ArgumentException($"Column '{columnName}' has no rows.", nameof(data));
        return rows.ToArray();
    }
}
