using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Data;

/// <summary>
/// An in-memory <see cref="IDataView"/> over IDX images and optional labels, with columns
/// <c>Label</c> (Single; the digit, NaN without labels) and <c>Features</c> (vector of Single, known size).
/// Rows are served straight from the arrays read once from disk; nothing is copied up front.
/// </summary>
internal sealed class IdxDataView : IDataView
{
    /// <summary>Name of the label column.</summary>
    public const string LabelColumnName = "Label";

    /// <summary>Name of the features column.</summary>
    public const string FeaturesColumnName = "Features";

    private readonly IdxImages _images;
    private readonly byte[]? _labels;

    /// <summary>Wraps <paramref name="images"/> and, when given, one label per image.</summary>
    public IdxDataView(IdxImages images, byte[]? labels)
    {
        if (labels is not null && labels.Length != images.Count)
        {
            throw new ArgumentException(
                $"Expected {images.Count} labels (one per image), got {labels.Length}.", nameof(labels));
        }

        _images = images;
        _labels = labels;
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(LabelColumnName, NumberDataViewType.Single);
        builder.AddColumn(FeaturesColumnName, new VectorDataViewType(NumberDataViewType.Single, images.FeatureSize));
        Schema = builder.ToSchema();
    }

    /// <inheritdoc />
    public bool CanShuffle => false;

    /// <inheritdoc />
    public DataViewSchema Schema { get; }

    /// <inheritdoc />
    public long? GetRowCount() => _images.Count;

    /// <inheritdoc />
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = new bool[Schema.Count];
        foreach (var column in columnsNeeded)
        {
            active[column.Index] = true;
        }

        return new Cursor(this, active);
    }

    /// <inheritdoc />
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(IdxDataView parent, bool[] active) : DataViewRowCursor
    {
        private long _position = -1;
        private bool _done;

        public override DataViewSchema Schema => parent.Schema;

        public override long Position => _position;

        public override long Batch => 0;

        public override bool MoveNext()
        {
            if (_done)
            {
                return false;
            }

            if (_position + 1 < parent._images.Count)
            {
                _position++;
                return true;
            }

            _done = true;
            _position = -1;
            return false;
        }

        public override bool IsColumnActive(DataViewSchema.Column column) => active[column.Index];

        public override ValueGetter<DataViewRowId> GetIdGetter()
            => (ref DataViewRowId value) => value = new DataViewRowId((ulong)CurrentRow(), 0);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index < 0 || column.Index >= active.Length || !active[column.Index])
            {
                throw new InvalidOperationException($"Column '{column.Name}' was not requested when the cursor was created.");
            }

            ValueGetter<TValue>? getter = column.Index == 0 ? LabelGetter() as ValueGetter<TValue> : FeaturesGetter() as ValueGetter<TValue>;
            return getter ?? throw new InvalidOperationException(
                $"Column '{column.Name}' has type {column.Type}, which cannot be read as {typeof(TValue).Name}.");
        }

        protected override void Dispose(bool disposing)
        {
            _done = true;
            _position = -1;
            base.Dispose(disposing);
        }

        private ValueGetter<float> LabelGetter()
        {
            var labels = parent._labels;
            return labels is null
                ? (ref float value) => value = float.NaN
                : (ref float value) => value = labels[CurrentRow()];
        }

        private ValueGetter<VBuffer<float>> FeaturesGetter()
        {
            var pixels = parent._images.Pixels;
            var size = parent._images.FeatureSize;
            return (ref VBuffer<float> value) =>
            {
                var editor = VBufferEditor.Create(ref value, size);
                pixels.AsSpan(checked(CurrentRow() * size), size).CopyTo(editor.Values);
                value = editor.Commit();
            };
        }

        private int CurrentRow() => _position >= 0
            ? (int)_position
            : throw new InvalidOperationException("The cursor is not positioned on a row; call MoveNext first.");
    }
}
