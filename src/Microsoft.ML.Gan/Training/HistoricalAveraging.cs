using TorchSharp;
using TorchSharp.Modules;
using Microsoft.ML.Gan.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// Historical averaging (Salimans et al., 2016, section 3.3): a player's loss gets lambda * ||theta - theta_bar||^2,
/// theta_bar the mean of the parameters after every update so far (the initial ones included).
/// </summary>
internal sealed class HistoricalAveraging : IDisposable
{
    private readonly Parameter[] _parameters;
    private readonly Tensor[] _means;
    /// <summary>lambda, held for the native multiply (<see cref="HeldScalars"/>: a temporary could be finalized during the native call).</summary>
    private readonly Scalar _weight;

    public HistoricalAveraging(IEnumerable<Parameter> parameters, double weight)
    {
        _parameters = parameters.ToArray();
        _weight = weight.ToScalar();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        _means = _parameters.Select(p => p.detach().clone().DetachFromDisposeScope()).ToArray();
        Count = 1;
    }

    /// <summary>How many parameter values the means cover.</summary>
    public long Count { get; set; }

    /// <summary>The running means, one per parameter, for checkpoints.</summary>
    public IReadOnlyList<Tensor> Means => _means;

    /// <summary>lambda * sum over parameters of ||theta - theta_bar||^2, differentiable in theta.</summary>
    public Tensor Penalty()
    {
        using var scope = NewDisposeScope();
        var total = zeros(1, device: _parameters[0].device);
        for (int i = 0; i < _parameters.Length; i++)
            total = total.add(_parameters[i].sub(_means[i]).pow(HeldScalars.Two).sum(), HeldScalars.One);
        return total.mul(_weight).squeeze().MoveToOuterDisposeScope();
    }

    /// <summary>Adds the current parameters to the means: theta_bar += (theta - theta_bar) / (count + 1).</summary>
    public void Update()
    {
        Count++;
        using var _ = no_grad();
        // One weight tensor held for all parameters: an implicit double-to-Tensor temporary per call could be finalized mid-call.
        using var rate = tensor(1.0 / Count);
        for (int i = 0; i < _parameters.Length; i++)
            _means[i].lerp_(_parameters[i], rate);
    }

    public void Dispose()
    {
        foreach (var mean in _means)
            mean.Dispose();
        _weight.Dispose();
    }
}
