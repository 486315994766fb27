using System.Collections.Frozen;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// The exponential moving average of a network's parameters, a &lt;- a + rate * (p - a), kept in a second network
/// of the same architecture that serves as the final model. Both networks' parameters are matched by name.
/// The rate at update t is max(rate, 9 / (10 + t)), the usual warm-up of a moving average (TensorFlow's
/// num_updates): early averages cover the last few steps instead of staying near the initial weights, and after
/// 9 / rate - 10 updates (89,990 at the paper's 1e-4) it is the paper's constant rate. An optimiser may move some
/// averages itself while it updates their parameters (<see cref="Adam.Step"/>); every average
/// then still moves once per update, rounded as libtorch's <c>lerp_</c> rounds it.
/// </summary>
internal sealed class ExponentialMovingAverage
{
    private readonly (Parameter Source, Parameter Average)[] _pairs;
    private readonly Dictionary<Parameter, Parameter> _averageOf;
    private readonly double _rate;

    /// <summary>Updates made so far; it sets the warm-up rate, so a resumed run restores it.</summary>
    public long Updates { get; set; }

    public ExponentialMovingAverage(nn.Module source, nn.Module average, double rate)
        : this(Pairs(source, average), rate)
    {
    }

    /// <summary>Averages each source parameter into its partner, starting from a copy.</summary>
    public ExponentialMovingAverage(IEnumerable<(Parameter Source, Parameter Average)> pairs, double rate)
    {
        _pairs = pairs.ToArray();
        _averageOf = _pairs.ToDictionary<(Parameter Source, Parameter Average), Parameter, Parameter>(p => p.Source, p => p.Average, ReferenceEqualityComparer.Instance);
        _rate = rate;
        using var _ = no_grad();
        foreach (var (src, avg) in _pairs)
            avg.copy_(src);
    }

    /// <summary>Moves every averaged parameter a fraction <c>rate</c> of the way towards the current one.</summary>
    public void Update() => Update(NextRate(), FrozenSet<Parameter>.Empty);

    /// <summary>The rate of the next update, which this call counts: max(rate, 9 / (10 + t)).</summary>
    public double NextRate() => Math.Max(_rate, 9.0 / (10 + Updates++));

    /// <summary>The average of <paramref name="source"/>, or null when it is not averaged.</summary>
    public Parameter? AverageOf(Parameter source) => _averageOf.GetValueOrDefault(source);

    /// <summary>Moves the averages of the parameters not in <paramref name="moved"/> (moved already) with <paramref name="rate"/>.</summary>
    public void Update(double rate, IReadOnlySet<Parameter> moved)
    {
        using var _ = no_grad();
        // One weight tensor held for all parameters: an implicit double-to-Tensor temporary per call could be finalized mid-call.
        using var weight = tensor(rate);
        foreach (var (src, avg) in _pairs)
        {
            if (!moved.Contains(src))
                avg.lerp_(src, weight);
        }
    }

    private static IEnumerable<(Parameter, Parameter)> Pairs(nn.Module source, nn.Module average)
    {
        var averages = average.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        return source.named_parameters().Select(p => (p.parameter, averages[p.name]));
    }
}
