using Microsoft.ML.Data;
using Microsoft.ML.Gan.Data;

namespace Microsoft.ML.Gan.Transformers;

/// <summary>
/// The output of <see cref="SemiSupervisedGanTransformer.Transform"/>: the input's columns plus the score and predicted
/// label columns, with the schema of the stock scoring chain. A cursor reads <see cref="BatchSize"/> rows ahead,
/// scores them in one ONNX Runtime call and then serves them one by one, keeping the values of the input columns it
/// was asked for. ML.NET's OnnxTransformer makes one call per row, which leaves most of the matrix units idle.
/// </summary>
internal sealed class BatchScoredDataView : IDataView
{
    /// <summary>Rows scored per ONNX Runtime call (fewer when the input has fewer rows).</summary>
    public const int BatchSize = 256;

    private readonly IDataView _input;
    private readonly OnnxBatchScorer _scorer;
    private readonly DataViewSchema.Column _features;

    public BatchScoredDataView(IDataView input, DataViewSchema stockSchema, OnnxBatchScorer scorer, string featureColumnName, string scoreColumnName,
        string predictedLabelColumnName)
    {
        _input = input;
        _scorer = scorer;
        _features = input.Schema[featureColumnName];
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input.Schema);
        foreach (var name in (string[])[scoreColumnName, predictedLabelColumnName])
        {
            var column = stockSchema[name];
            builder.AddColumn(column.Name, column.Type, column.Annotations);
        }
        Schema = builder.ToSchema();
    }

    public DataViewSchema Schema { get; }

    /// <summary>False: a read-ahead batch is scored in the input's order.</summary>
    public bool CanShuffle => false;

    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.ToArray();
        int inputColumns = _input.Schema.Count;
        bool score = needed.Any(c => c.Index >= inputColumns);
        var inputNeeded = needed.Where(c => c.Index < inputColumns).Select(c => _input.Schema[c.Index]).ToList();
        if (score && inputNeeded.All(c => c.Index != _features.Index))
            inputNeeded.Add(_features);
        int capacity = (int)Math.Clamp(_input.GetRowCount() ?? BatchSize, 1, BatchSize);
        return new Cursor(this, _input.GetRowCursor(inputNeeded), needed.Where(c => c.Index < inputColumns).Select(c => c.Index), score, capacity);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly BatchScoredDataView _parent;
        private readonly DataViewRowCursor _input;
        private readonly Dictionary<int, RowValueCache> _columns;
        private readonly ValueGetter<DataViewRowId> _inputId;
        private readonly ValueGetter<VBuffer<float>>? _featureGetter;
        private readonly DataViewRowId[] _ids;
        private readonly float[] _features;
        private readonly float[] _probabilities;
        private readonly uint[] _predicted;
        private VBuffer<float> _row;
        private int _count;
        private int _slot = -1;
        private long _position = -1;
        private bool _exhausted;

        public Cursor(BatchScoredDataView parent, DataViewRowCursor input, IEnumerable<int> inputColumns, bool score, int capacity)
        {
            _parent = parent;
            _input = input;
            _columns = inputColumns.Distinct().ToDictionary(i => i, i => RowValueCache.Create(input, input.Schema[i], capacity));
            _inputId = input.GetIdGetter();
            _featureGetter = score ? input.GetGetter<VBuffer<float>>(parent._features) : null;
            _ids = new DataViewRowId[capacity];
            _predicted = new uint[capacity];
            _features = score ? new float[capacity * parent._scorer.FeatureCount] : [];
            _probabilities = score ? new float[capacity * parent._scorer.ClassCount] : [];
        }

        public override DataViewSchema Schema => _parent.Schema;

        public override long Position => _position;

        public override long Batch => _input.Batch;

        public override bool IsColumnActive(DataViewSchema.Column column)
            => column.Index >= _parent._input.Schema.Count ? _featureGetter is not null : _columns.ContainsKey(column.Index);

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId value) => value = _ids[_slot];

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!IsColumnActive(column))
                throw new InvalidOperationException($"Column '{column.Name}' was not requested when this cursor was created.");
            if (typeof(TValue) != column.Type.RawType)
                throw new InvalidOperationException($"Column '{column.Name}' holds {column.Type.RawType.Name} values, not {typeof(TValue).Name}.");
            if (_columns.TryGetValue(column.Index, out var cache))
                return (ValueGetter<TValue>)cache.Getter(() => _slot);
            if (column.Index == Schema.Count - 1)
                return (ValueGetter<TValue>)(Delegate)(ValueGetter<uint>)((ref uint value) => value = _predicted[_slot]);
            int classes = _parent._scorer.ClassCount;
            return (ValueGetter<TValue>)(Delegate)(ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
            {
                var editor = VBufferEditor.Create(ref value, classes);
                _probabilities.AsSpan(_slot * classes, classes).CopyTo(editor.Values);
                value = editor.Commit();
            });
        }

        public override bool MoveNext()
        {
            if (_slot + 1 >= _count)
            {
                if (_exhausted || !ReadBatch())
                    return false;
                _slot = -1;
            }
            _slot++;
            _position++;
            return true;
        }

        /// <summary>Reads up to a batch of rows ahead and scores them; false when the input has no more rows.</summary>
        private bool ReadBatch()
        {
            int width = _parent._scorer.FeatureCount;
            _count = 0;
            while (_count < _ids.Length)
            {
                if (!_input.MoveNext())
                {
                    _exhausted = true;
                    break;
                }
                foreach (var cache in _columns.Values)
                    cache.Store(_count);
                _inputId(ref _ids[_count]);
                if (_featureGetter is not null)
                {
                    _featureGetter(ref _row);
                    if (_row.Length != width)
                        throw new InvalidOperationException($"Row {_input.Position} of column '{_parent._features.Name}' has {_row.Length} values; the model expects {width}.");
                    _row.CopyTo(_features.AsSpan(_count * width, width));
                }
                _count++;
            }
            if (_count > 0 && _featureGetter is not null)
                Score();
            return _count > 0;
        }

        private void Score()
        {
            int classes = _parent._scorer.ClassCount;
            _parent._scorer.Score(_features, _count, _probabilities);
            for (int row = 0; row < _count; row++)
            {
                var probabilities = _probabilities.AsSpan(row * classes, classes);
                int best = 0;
                for (int k = 1; k < classes; k++)
                {
                    if (probabilities[k] > probabilities[best])
                        best = k;
                }
                _predicted[row] = (uint)best + 1;
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                _input.Dispose();
            base.Dispose(disposing);
        }
    }
}
