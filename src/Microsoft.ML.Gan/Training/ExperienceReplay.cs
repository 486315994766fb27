using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// Experience replay of generated samples: a ring buffer of earlier generator outputs, from which a fraction of each
/// discriminator step's generated batch is drawn, so the discriminator keeps rejecting what the generator made before.
/// </summary>
internal sealed class ExperienceReplay : IDisposable
{
    private readonly Tensor _buffer;

    public ExperienceReplay(int capacity, long width, Device device)
    {
        _buffer = zeros([capacity, width], device: device).DetachFromDisposeScope();
    }

    /// <summary>Rows stored so far, at most the capacity.</summary>
    public long Count { get; set; }

    /// <summary>Where the next row is written; the oldest row is overwritten once the buffer is full.</summary>
    public long Next { get; set; }

    /// <summary>The storage, for checkpoints; rows past <see cref="Count"/> are unused.</summary>
    public Tensor Buffer => _buffer;

    /// <summary>
    /// The batch with its first round(fraction * rows) rows replaced by stored rows drawn uniformly (with replacement);
    /// the batch itself when fewer rows than that are stored.
    /// </summary>
    public Tensor Mix(Tensor generated, double fraction, RandomGenerator random)
    {
        long replaced = (long)Math.Round(fraction * generated.shape[0]);
        if (replaced == 0 || Count < replaced)
            return generated;
        using var picks = randint(Count, [replaced], generator: random, device: _buffer.device);
        using var old = _buffer.index_select(0, picks);
        using var kept = generated.narrow(0, replaced, generated.shape[0] - replaced);
        return cat([old, kept], 0);
    }

    /// <summary>Stores the rows of <paramref name="generated"/> (no gradient), overwriting the oldest when full.</summary>
    public void Add(Tensor generated)
    {
        using var _ = no_grad();
        long capacity = _buffer.shape[0];
        for (long row = 0; row < generated.shape[0]; row++)
        {
            _buffer[Next].copy_(generated[row]);
            Next = (Next + 1) % capacity;
            Count = Math.Min(Count + 1, capacity);
        }
    }

    public void Dispose() => _buffer.Dispose();
}
