using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Data;

/// <summary>
/// The labeled rows in minibatches, as the discriminator's step takes them: each epoch concatenates independently
/// shuffled copies of the labeled rows up to the epoch's length, so every step has a full labeled batch although the
/// labeled rows are few.
/// </summary>
internal sealed class LabeledRows : IDisposable
{
    private readonly Tensor _features;
    private readonly Tensor _indices;
    private readonly Tensor _classes;
    private readonly RandomGenerator _random;
    private Tensor? _order;
    private long _position;

    /// <summary>The labeled rows of <paramref name="data"/>, read from <paramref name="features"/> (its rows on the training device, which the caller keeps).</summary>
    public LabeledRows(Tensor features, SemiSupervisedData data, RandomGenerator random)
    {
        _features = features;
        _indices = data.LabeledIndices.to(features.device);
        _classes = data.LabeledClasses.to(features.device);
        _random = random;
    }

    /// <summary>Starts an epoch of <paramref name="length"/> positions: the labeled rows tiled in independently shuffled copies.</summary>
    public void BeginEpoch(long length)
    {
        _order?.Dispose();
        using var scope = NewDisposeScope();
        long labeled = _indices.shape[0];
        long copies = (length + labeled - 1) / labeled;
        var tiles = new Tensor[copies];
        for (long i = 0; i < copies; i++)
            tiles[i] = randperm(labeled, generator: _random, device: _features.device);
        _order = cat(tiles, 0).narrow(0, 0, length).contiguous().MoveToOuterDisposeScope();
        _position = 0;
    }

    /// <summary>The next <paramref name="count"/> labeled rows and their 0-based classes.</summary>
    public (Tensor Rows, Tensor Classes) Next(int count)
    {
        if (_order is null || _position + count > _order.shape[0])
            throw new InvalidOperationException($"The epoch has {_order?.shape[0] ?? 0} labeled positions; {_position + count} were requested.");
        var slice = _order.narrow(0, _position, count);
        _position += count;
        return (_features.index_select(0, _indices.index_select(0, slice)), _classes.index_select(0, slice));
    }

    public void Dispose()
    {
        _order?.Dispose();
        _indices.Dispose();
        _classes.Dispose();
    }
}
