using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Data;

/// <summary>
/// The values of one column over a batch of rows read ahead from a cursor, so that a cursor that scores rows in batches
/// can still serve the input's columns row by row. Vectors and text are copied: a source cursor may reuse its buffers.
/// </summary>
internal abstract class RowValueCache
{
    /// <summary>A cache for <paramref name="column"/> of <paramref name="cursor"/> holding up to <paramref name="capacity"/> rows.</summary>
    public static RowValueCache Create(DataViewRowCursor cursor, DataViewSchema.Column column, int capacity)
    {
        var type = column.Type.RawType;
        var cacheType = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(VBuffer<>)
            ? typeof(VectorCache<>).MakeGenericType(type.GetGenericArguments()[0])
            : type == typeof(ReadOnlyMemory<char>) ? typeof(TextCache) : typeof(ScalarCache<>).MakeGenericType(type);
        return (RowValueCache)Activator.CreateInstance(cacheType, cursor, column, capacity)!;
    }

    /// <summary>Reads the cursor's current value into slot <paramref name="slot"/>.</summary>
    public abstract void Store(int slot);

    /// <summary>A <c>ValueGetter</c> of the column's type that returns the value in the slot <paramref name="slot"/> gives.</summary>
    public abstract Delegate Getter(Func<int> slot);

    private sealed class ScalarCache<T>(DataViewRowCursor cursor, DataViewSchema.Column column, int capacity) : RowValueCache
    {
        private readonly ValueGetter<T> _source = cursor.GetGetter<T>(column);
        private readonly T[] _values = new T[capacity];

        public override void Store(int slot) => _source(ref _values[slot]);

        public override Delegate Getter(Func<int> slot) => (ValueGetter<T>)((ref T value) => value = _values[slot()]);
    }

    private sealed class TextCache(DataViewRowCursor cursor, DataViewSchema.Column column, int capacity) : RowValueCache
    {
        private readonly ValueGetter<ReadOnlyMemory<char>> _source = cursor.GetGetter<ReadOnlyMemory<char>>(column);
        private readonly ReadOnlyMemory<char>[] _values = new ReadOnlyMemory<char>[capacity];
        private ReadOnlyMemory<char> _current;

        public override void Store(int slot)
        {
            _source(ref _current);
            _values[slot] = _current.ToArray();
        }

        public override Delegate Getter(Func<int> slot) => (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> value) => value = _values[slot()]);
    }

    private sealed class VectorCache<T>(DataViewRowCursor cursor, DataViewSchema.Column column, int capacity) : RowValueCache
    {
        private readonly ValueGetter<VBuffer<T>> _source = cursor.GetGetter<VBuffer<T>>(column);
        private readonly VBuffer<T>[] _values = new VBuffer<T>[capacity];
        private VBuffer<T> _current;

        public override void Store(int slot)
        {
            _source(ref _current);
            _current.CopyTo(ref _values[slot]);
        }

        public override Delegate Getter(Func<int> slot) => (ValueGetter<VBuffer<T>>)((ref VBuffer<T> value) => _values[slot()].CopyTo(ref value));
    }
}
