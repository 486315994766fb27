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
/// 9 / rate - 10 updates (89,990 at the paper's 1e-4) it is the paper's constant rate. The average may move every few
/// training steps instead of every one (<see cref="StepsPerMove"/>): a move then covers the steps counted since the
/// last, with the rates of those steps compounded, 1 - (1 - r_t)(1 - r_t+1)..., as if the parameters had stood at their
/// latest values for all of them. An optimiser may move some averages itself while it updates their parameters
/// (<see cref="Adam.Step"/>); every average then still moves once per move, rounded as libtorch's <c>lerp_</c> rounds it.
/// </summary>
internal sealed class ExponentialMovingAverage
{
    private readonly (Parameter Source, Parameter Average)[] _pairs;
    private readonly Dictionary<Parameter, Parameter> _averageOf;
    private readonly double _rate;
    private int _pendingSteps;

    /// <summary>Steps averaged so far (each move counts the steps it covers); it sets the warm-up rate, so a resumed run restores it.</summary>
    public long Updates { get; set; }

    /// <summary>Training steps per move of the average (<see cref="CountStep"/>); 1 moves it at every step.</summary>
    public int StepsPerMove { get; }

    public ExponentialMovingAverage(nn.Module source, nn.Module average, double rate, int stepsPerMove = 1)
        : this(Pairs(source, average), rate, stepsPerMove)
    {
    }

    /// <summary>Averages each source parameter into its partner, starting from a copy.</summary>
    public ExponentialMovingAverage(IEnumerable<(Parameter Source, Parameter Average)> pairs, double rate, int stepsPerMove = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stepsPerMove, 1);
        StepsPerMove = stepsPerMove;
        _pairs = pairs.ToArray();
        _averageOf = _pairs.ToDictionary<(Parameter Source, Parameter Average), Parameter, Parameter>(p => p.Source, p => p.Average, ReferenceEqualityComparer.Instance);
        _rate = rate;
        using var _ = no_grad();
        foreach (var (src, avg) in _pairs)
            avg.copy_(src);
    }

    /// <summary>Moves every averaged parameter the next move's rate of the way towards the current one.</summary>
    public void Update() => Update(NextRate(), FrozenSet<Parameter>.Empty);

    /// <summary>Counts one training step; returns whether the average is due to move now (every <see cref="StepsPerMove"/> steps).</summary>
    public bool CountStep() => ++_pendingSteps >= StepsPerMove;

    /// <summary>Moves the averages when steps are counted since the last move (at the end of an epoch, so that the average there is current).</summary>
    public void MovePending()
    {
        if (_pendingSteps > 0)
            Update();
    }

    /// <summary>
    /// The rate of the next move, which this call counts: for the steps counted since the last move (one when none were),
    /// max(rate, 9 / (10 + t)) of each step t, compounded.
    /// </summary>
    public double NextRate()
    {
        int steps = Math.Max(1, _pendingSteps);
        _pendingSteps = 0;
        if (steps == 1)
            return StepRate();
        double kept = 1;
        for (int i = 0; i < steps; i++)
            kept *= 1 - StepRate();
        return 1 - kept;
    }

    private double StepRate() => Math.Max(_rate, 9.0 / (10 + Updates++));

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
