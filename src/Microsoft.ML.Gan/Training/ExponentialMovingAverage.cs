using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// The exponential moving average of a network's parameters, a &lt;- a + rate * (p - a), kept in a second network
/// of the same architecture that serves as the final model. Both networks' parameters are matched by name.
/// The rate at update t is max(rate, 9 / (10 + t)), the usual warm-up of a moving average (TensorFlow's
/// num_updates): early averages cover the last few steps instead of staying near the initial weights, and after
/// 9 / rate - 10 updates (89,990 at the paper's 1e-4) it is the paper's constant rate.
/// </summary>
internal sealed class ExponentialMovingAverage
{
    private readonly (Parameter Source, Parameter Average)[] _pairs;
    private readonly double _rate;

    /// <summary>Updates made so far; it sets the warm-up rate, so a resumed run restores it.</summary>
    public long Updates { get; set; }

    public ExponentialMovingAverage(nn.Module source, nn.Module average, double rate)
    {
        var averages = average.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        _pairs = source.named_parameters().Select(p => (p.parameter, averages[p.name])).ToArray();
        _rate = rate;
        using var _ = no_grad();
        foreach (var (src, avg) in _pairs)
            avg.copy_(src);
    }

    /// <summary>Moves every averaged parameter a fraction <c>rate</c> of the way towards the current one.</summary>
    public void Update()
    {
        double rate = Math.Max(_rate, 9.0 / (10 + Updates++));
        using var _ = no_grad();
        // One weight tensor held for all parameters: an implicit double-to-Tensor temporary per call could be finalized mid-call.
        using var weight = tensor(rate);
        foreach (var (src, avg) in _pairs)
            avg.lerp_(src, weight);
    }
}
