using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Data;

/// <summary>
/// Wraps an <see cref="IDataView"/> and serves a Single column from an array indexed by row number;
/// every other column passes through unchanged. Rows are read in order, so shuffling is not supported.
/// </summary>
internal sealed class LabelReplacingDataView : IDataView
{
    private readonly IDataView _input;
    private readonly int _labelIndex;
    private readonly float[] _labels;

    /// <summary>Replaces column <paramref name="labelIndex"/> (of type Single) of <paramref name="input"/> by <paramref name="labels"/>.</summary>
    public LabelReplacingDataView(IDataView input, int labelIndex, float[] labels)
    {
        _input = input;
        _labelIndex = labelIndex;
        _labels = labels;
    }

    /// <inheritdoc />
    public bool CanShuffle => false;

    /// <inheritdoc />
    public DataViewSchema Schema => _input.Schema;

    /// <inheritdoc />
    public long? GetRowCount() => _labels.Length;

    /// <inheritdoc />
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.ToList();
        var labelNeeded = needed.Exists(c => c.Index == _labelIndex);
        var inner = _input.GetRowCursor(needed.Where(c => c.Index != _labelIndex));
        return new Cursor(this, inner, labelNeeded);
    }

    /// <inheritdoc />
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(LabelReplacingDataView parent, DataViewRowCursor inner, bool labelActive) : DataViewRowCursor
    {
        private long _row = -1;

        public override DataViewSchema Schema => parent.Schema;

        public override long Position => _row;

        public override long Batch => 0;

        public override bool MoveNext()
        {
            if (!inner.MoveNext())
            {
                _row = -1;
                return false;
            }

            _row++;
            if (_row >= parent._labels.Length)
            {
                throw new InvalidOperationException(
                    $"The input view has more rows than the {parent._labels.Length} read when the labels were chosen.");
            }

            return true;
        }

        public override bool IsColumnActive(DataViewSchema.Column column)
            => column.Index == parent._labelIndex ? labelActive : inner.IsColumnActive(column);

        public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index != parent._labelIndex)
            {
                return inner.GetGetter<TValue>(column);
            }

            if (!labelActive)
            {
                throw new InvalidOperationException($"Column '{column.Name}' was not requested when the cursor was created.");
            }

            ValueGetter<float> getter = (ref float value) => value = _row >= 0
                ? parent._labels[_row]
                : throw new InvalidOperationException("The cursor is not positioned on a row; call MoveNext first.");
            return getter as ValueGetter<TValue> ?? throw new InvalidOperationException(
                $"Column '{column.Name}' has type Single, which cannot be read as {typeof(TValue).Name}.");
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
