using System.Globalization;
using Microsoft.ML.Data;
using Microsoft.ML.Gan.Onnx;

namespace Microsoft.ML.Gan.Data;

/// <summary>
/// The values behind a label key type, in key order, kept in one of the element types ONNX and ML.NET share.
/// A key type without key values uses the keys themselves (1..K as UInt32).
/// </summary>
internal sealed class LabelValues
{
    private readonly Array _values;

    private LabelValues(Array values, OnnxElementType elementType)
    {
        _values = values;
        ElementType = elementType;
    }

    public OnnxElementType ElementType { get; }

    /// <summary>
    /// The 0-based class (key order) of a label value, or -1 when no class has it. Numbers compare by value whatever
    /// their type (7 finds 7f); text compares ordinally (string or ReadOnlyMemory&lt;char&gt;).
    /// </summary>
    public int IndexOf(object? value) => (_values, value) switch
    {
        (string[] v, string text) => Array.IndexOf(v, text),
        (string[] v, ReadOnlyMemory<char> text) => Array.IndexOf(v, text.ToString()),
        (bool[] v, bool flag) => Array.IndexOf(v, flag),
        (string[] or bool[], _) => -1,
        (_, float or double or int or long or uint or short or ushort or byte or sbyte or ulong) =>
            Array.FindIndex(_values.Cast<object>().ToArray(), k => Convert.ToDouble(k, CultureInfo.InvariantCulture) == Convert.ToDouble(value, CultureInfo.InvariantCulture)),
        _ => -1,
    };

    /// <summary>Whether <paramref name="other"/> holds the same values of the same type in the same key order.</summary>
    public bool SameAs(LabelValues other) =>
        _values.GetType() == other._values.GetType() && System.Collections.StructuralComparisons.StructuralEqualityComparer.Equals(_values, other._values);

    /// <summary>The label values in key order, for messages.</summary>
    public override string ToString() => string.Join(", ", _values.Cast<object>().Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)));

    public static LabelValues FromColumn(DataViewSchema.Column label, int classCount)
    {
        var valuesType = label.Annotations.Schema.GetColumnOrNull(AnnotationKindKeyValues)?.Type as VectorDataViewType;
        return valuesType?.ItemType switch
        {
            TextDataViewType => new(Read<ReadOnlyMemory<char>>(label).Select(v => v.ToString()).ToArray(), OnnxElementType.String),
            NumberDataViewType t when t == NumberDataViewType.Single => new(Read<float>(label), OnnxElementType.Float),
            NumberDataViewType t when t == NumberDataViewType.Double => new(Read<double>(label), OnnxElementType.Double),
            NumberDataViewType t when t == NumberDataViewType.Int32 => new(Read<int>(label), OnnxElementType.Int32),
            NumberDataViewType t when t == NumberDataViewType.Int64 => new(Read<long>(label), OnnxElementType.Int64),
            NumberDataViewType t when t == NumberDataViewType.UInt32 => new(Read<uint>(label), OnnxElementType.UInt32),
            BooleanDataViewType => new(Read<bool>(label), OnnxElementType.Bool),
            _ => new(Enumerable.Range(1, classCount).Select(k => (uint)k).ToArray(), OnnxElementType.UInt32),
        };
    }

    /// <summary>Adds the values as a constant of <see cref="ElementType"/>.</summary>
    /// <remarks>Chosen by <see cref="ElementType"/>, not by a type pattern: the runtime lets a uint[] pass as an int[] and back.</remarks>
    public void AddInitializer(OnnxGraphBuilder graph, string name)
    {
        int count = _values.Length;
        switch (ElementType)
        {
            case OnnxElementType.String: graph.AddInitializer(name, (string[])_values, count); break;
            case OnnxElementType.Float: graph.AddInitializer(name, (float[])_values, count); break;
            case OnnxElementType.Double: graph.AddInitializer(name, (double[])_values, count); break;
            case OnnxElementType.Int32: graph.AddInitializer(name, (int[])_values, count); break;
            case OnnxElementType.Int64: graph.AddInitializer(name, (long[])_values, count); break;
            case OnnxElementType.UInt32: graph.AddInitializer(name, (uint[])_values, count); break;
            case OnnxElementType.Bool: graph.AddInitializer(name, (bool[])_values, count); break;
            default: throw new InvalidOperationException($"Unsupported label value type {_values.GetType()}.");
        }
    }

    /// <summary>
    /// One row per class in key order: the label value and the class's one-hot indicator vector of length K.
    /// </summary>
    public IDataView ToIndicatorTable(MLContext mlContext, string labelColumnName, string indicatorColumnName) => _values switch
    {
        string[] v => IndicatorRows(mlContext, v, labelColumnName, indicatorColumnName),
        float[] v => IndicatorRows(mlContext, v, labelColumnName, indicatorColumnName),
        double[] v => IndicatorRows(mlContext, v, labelColumnName, indicatorColumnName),
        int[] v => IndicatorRows(mlContext, v, labelColumnName, indicatorColumnName),
        long[] v => IndicatorRows(mlContext, v, labelColumnName, indicatorColumnName),
        uint[] v => IndicatorRows(mlContext, v, labelColumnName, indicatorColumnName),
        bool[] v => IndicatorRows(mlContext, v, labelColumnName, indicatorColumnName),
        _ => throw new InvalidOperationException($"Unsupported label value type {_values.GetType()}."),
    };

    private static IDataView IndicatorRows<T>(MLContext mlContext, T[] values, string labelColumnName, string indicatorColumnName)
    {
        var schema = SchemaDefinition.Create(typeof(IndicatorRow<T>));
        var label = schema.Single(c => c.MemberName == nameof(IndicatorRow<T>.Value));
        var indicator = schema.Single(c => c.MemberName == nameof(IndicatorRow<T>.Indicator));
        label.ColumnName = labelColumnName;
        indicator.ColumnName = indicatorColumnName;
        indicator.ColumnType = new VectorDataViewType(NumberDataViewType.Single, values.Length);
        var rows = values.Select((v, k) => new IndicatorRow<T>
        {
            Value = v,
            Indicator = Enumerable.Range(0, values.Length).Select(j => j == k ? 1f : 0f).ToArray(),
        });
        return mlContext.Data.LoadFromEnumerable(rows, schema);
    }

    private sealed class IndicatorRow<T>
    {
        public T Value { get; set; } = default!;

        public float[] Indicator { get; set; } = [];
    }

    private const string AnnotationKindKeyValues = "KeyValues";

    private static T[] Read<T>(DataViewSchema.Column label)
    {
        var values = default(VBuffer<T>);
        label.GetKeyValues(ref values);
        return values.DenseValues().ToArray();
    }
}
