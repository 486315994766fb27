using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>Remembers the epoch with the lowest validation error and a copy of the network's parameters at that epoch.</summary>
internal sealed class BestEpoch : IDisposable
{
    private readonly nn.Module _network;
    private Tensor[] _parameters = [];

    public BestEpoch(nn.Module network) => _network = network;

    /// <summary>The best epoch so far, from 1; 0 before any observation.</summary>
    public int Epoch { get; private set; }

    public double Error { get; private set; } = double.PositiveInfinity;

    /// <summary>Records an epoch's error and copies the parameters when it is the lowest so far.</summary>
    public void Observe(int epoch, double error)
    {
        if (error >= Error)
            return;
        foreach (var old in _parameters)
            old.Dispose();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        _parameters = _network.parameters().Select(p => p.detach().clone().DetachFromDisposeScope()).ToArray();
        Epoch = epoch;
        Error = error;
    }

    /// <summary>Copies the remembered parameters back into the network.</summary>
    public void Restore()
    {
        using var _ = no_grad();
        foreach (var (parameter, saved) in _network.parameters().Zip(_parameters))
            parameter.copy_(saved);
    }

    /// <summary>Adds the best epoch, its error and its parameters to <paramref name="checkpoint"/>.</summary>
    public void SaveTo(TrainingCheckpoint checkpoint)
    {
        checkpoint.Numbers["best.epoch"] = Epoch;
        checkpoint.Numbers["best.error"] = Error;
        for (int i = 0; i < _parameters.Length; i++)
            checkpoint.Add($"best.p{i}", _parameters[i]);
    }

    /// <summary>Restores what <see cref="SaveTo"/> wrote.</summary>
    public void LoadFrom(TrainingCheckpoint checkpoint, string path)
    {
        Epoch = (int)checkpoint.GetNumber("best.epoch", path);
        Error = checkpoint.GetNumber("best.error", path);
        if (Epoch == 0)
            return;
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        _parameters = _network.parameters().Select((p, i) =>
        {
            var copy = p.detach().clone().DetachFromDisposeScope();
            checkpoint.CopyTo($"best.p{i}", copy, path);
            return copy;
        }).ToArray();
    }

    public void Dispose()
    {
        foreach (var t in _parameters)
            t.Dispose();
    }
}
