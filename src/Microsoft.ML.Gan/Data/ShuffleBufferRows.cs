using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Data;

/// <summary>
/// Unlabeled rows streamed from the data view's cursor through a shuffle buffer, so that memory does not grow with
/// the data: the buffer holds <c>capacity</c> rows; each drawn row is picked uniformly from the buffer and its slot
/// refilled with the cursor's next row. Each epoch opens a new cursor and seeds its draws from the training's
/// random generator, so a run (and a resumed run) is reproducible. Batches are assembled in one reused array that a
/// tensor shares and torch copies natively, so streaming allocates nothing per step on the managed heap.
/// </summary>
internal sealed class ShuffleBufferRows : UnlabeledRows
{
    private readonly IDataView _data;
    private readonly DataViewSchema.Column _column;
    private readonly int _width;
    private readonly float[] _buffer;
    private readonly RandomGenerator _random;
    private readonly Device _device;
    private DataViewRowCursor? _cursor;
    private ValueGetter<VBuffer<float>>? _getter;
    private VBuffer<float> _row;
    private float[] _batch = [];
    private Tensor? _sharedBatch;
    private Random _draws = new(0);
    private int _filled;

    public ShuffleBufferRows(IDataView data, DataViewSchema.Column column, int width, int capacity, RandomGenerator random, Device device)
    {
        _data = data;
        _column = column;
        _width = width;
        _buffer = new float[checked(capacity * width)];
        _random = random;
        _device = device;
    }

    private int Capacity => _buffer.Length / _width;

    public override void BeginEpoch()
    {
        using var seed = randint(int.MaxValue, [1], generator: _random, dtype: ScalarType.Int64);
        _draws = new Random((int)seed.item<long>());
        Restart();
    }

    public override Tensor Next(int count)
    {
        if (_batch.Length != count * _width)
        {
            _batch = new float[count * _width];
            _sharedBatch?.Dispose();
            using var flat = from_array(_batch);
            _sharedBatch = flat.view(count, _width).DetachFromDisposeScope();
        }
        var batch = _batch;
        for (int i = 0; i < count; i++)
        {
            if (_filled == 0)
                Restart();
            int slot = _draws.Next(_filled);
            _buffer.AsSpan(slot * _width, _width).CopyTo(batch.AsSpan(i * _width, _width));
            if (!TryRead(slot))
            {
                _filled--;
                _buffer.AsSpan(_filled * _width, _width).CopyTo(_buffer.AsSpan(slot * _width, _width));
            }
        }
        return _device.type == TorchSharp.DeviceType.CPU ? _sharedBatch!.clone() : _sharedBatch!.to(_device);
    }

    private void Restart()
    {
        _cursor?.Dispose();
        _cursor = _data.GetRowCursor([_column]);
        _getter = _cursor.GetGetter<VBuffer<float>>(_column);
        _filled = 0;
        while (_filled < Capacity && TryRead(_filled))
            _filled++;
        if (_filled == 0)
            throw new InvalidOperationException($"The data view returned no rows for column '{_column.Name}' when streaming.");
    }

    private bool TryRead(int slot)
    {
        if (!_cursor!.MoveNext())
            return false;
        _getter!(ref _row);
        _row.CopyTo(_buffer.AsSpan(slot * _width, _width));
        return true;
    }

    public override void Dispose()
    {
        _cursor?.Dispose();
        _sharedBatch?.Dispose();
    }
}
