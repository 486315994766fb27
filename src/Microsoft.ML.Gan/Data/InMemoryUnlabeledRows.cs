using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Data;

/// <summary>Unlabeled rows held in one tensor, visited in a random permutation per epoch.</summary>
internal sealed class InMemoryUnlabeledRows(Tensor features, RandomGenerator random) : UnlabeledRows
{
    private Tensor? _order;
    private long _position;

    public override void BeginEpoch()
    {
        _order?.Dispose();
        _order = randperm(features.shape[0], generator: random, device: features.device);
        _position = 0;
    }

    public override Tensor Next(int count)
    {
        if (_order is null || _position + count > _order.shape[0])
            throw new InvalidOperationException($"The epoch has {features.shape[0]} rows; {_position + count} were requested.");
        using var slice = _order.narrow(0, _position, count);
        _position += count;
        return features.index_select(0, slice);
    }

    public override void Dispose() => _order?.Dispose();
}
