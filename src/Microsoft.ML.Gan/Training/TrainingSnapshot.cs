using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// A copy of a fixed list of tensors (network weights and buffers, optimiser moments) in preallocated tensors of the
/// same shapes, type and device: taking or restoring it copies in place and allocates nothing.
/// </summary>
internal sealed class TrainingSnapshot : IDisposable
{
    private readonly Tensor[] _sources;
    private readonly Tensor[] _copies;

    public TrainingSnapshot(IReadOnlyList<Tensor> sources)
    {
        _sources = sources.ToArray();
        _copies = _sources.Select(t => empty_like(t).DetachFromDisposeScope()).ToArray();
    }

    /// <summary>The global step at which the copy was taken; -1 while it holds nothing.</summary>
    public long Step { get; set; } = -1;

    /// <summary>Whether the copy holds a state.</summary>
    public bool IsTaken => Step >= 0;

    /// <summary>The copies, in the order of the sources (for checkpoints).</summary>
    public IReadOnlyList<Tensor> Copies => _copies;

    /// <summary>Copies the sources into the snapshot, as of global step <paramref name="step"/>.</summary>
    public void Take(long step)
    {
        using var _ = no_grad();
        for (int i = 0; i < _sources.Length; i++)
            _copies[i].copy_(_sources[i]);
        Step = step;
    }

    /// <summary>Copies the snapshot back into the sources.</summary>
    public void Restore()
    {
        using var _ = no_grad();
        for (int i = 0; i < _sources.Length; i++)
            _sources[i].copy_(_copies[i]);
    }

    public void Dispose()
    {
        foreach (var copy in _copies)
            copy.Dispose();
    }
}
