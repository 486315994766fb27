namespace Microsoft.ML.Gan.Data;

/// <summary>
/// Collects fixed-width rows of floats. When the row count is known the rows go straight into one array of the exact
/// size, which <see cref="ToArray"/> returns without copying; otherwise they go into 16 MiB chunks that are copied
/// once into an exact array at the end, so memory never holds more than the data plus one chunk until then.
/// </summary>
internal sealed class RowBuffer(int width, long? knownRows)
{
    private const int ChunkBytes = 16 * 1024 * 1024;
    private readonly float[]? _exact = knownRows is long rows ? new float[checked(rows * width)] : null;
    private readonly List<float[]> _chunks = [];
    private readonly int _chunkRows = Math.Max(1, ChunkBytes / sizeof(float) / Math.Max(1, width));

    /// <summary>Rows appended so far.</summary>
    public long Count { get; private set; }

    /// <summary>The storage of a new row, to be filled by the caller.</summary>
    public Span<float> Append()
    {
        long row = Count++;
        if (_exact is not null)
        {
            if (Count * width > _exact.Length)
                throw new InvalidOperationException($"The data view returned more rows than the {_exact.Length / width} it reported.");
            return _exact.AsSpan(checked((int)(row * width)), width);
        }
        int inChunk = (int)(row % _chunkRows);
        if (inChunk == 0)
            _chunks.Add(new float[_chunkRows * width]);
        return _chunks[^1].AsSpan(inChunk * width, width);
    }

    /// <summary>All rows in one array of exactly Count x width floats.</summary>
    public float[] ToArray()
    {
        long length = checked(Count * width);
        if (_exact is not null && _exact.Length == length)
            return _exact;
        var result = new float[length];
        if (_exact is not null)
        {
            _exact.AsSpan(0, (int)length).CopyTo(result);
            return result;
        }
        long offset = 0;
        foreach (var chunk in _chunks)
        {
            int take = (int)Math.Min(chunk.Length, length - offset);
            chunk.AsSpan(0, take).CopyTo(result.AsSpan((int)offset, take));
            offset += take;
        }
        _chunks.Clear();
        return result;
    }
}
