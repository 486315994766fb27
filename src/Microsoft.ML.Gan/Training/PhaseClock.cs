using System.Diagnostics;

namespace Microsoft.ML.Gan.Training;

/// <summary>Adds the wall time since the previous lap to a phase of the training step; read and reset once per epoch.</summary>
internal sealed class PhaseClock
{
    private readonly double[] _seconds = new double[Enum.GetValues<GanTrainingPhase>().Length];
    private long _last = Stopwatch.GetTimestamp();

    /// <summary>Starts timing from now, without charging the time since the last lap to any phase.</summary>
    public void Restart() => _last = Stopwatch.GetTimestamp();

    /// <summary>Charges the time since the last lap to <paramref name="phase"/>.</summary>
    public void Lap(GanTrainingPhase phase)
    {
        long now = Stopwatch.GetTimestamp();
        _seconds[(int)phase] += (now - _last) / (double)Stopwatch.Frequency;
        _last = now;
    }

    /// <summary>The seconds of each phase since the last call, then zero.</summary>
    public IReadOnlyDictionary<GanTrainingPhase, double> TakeEpoch()
    {
        var epoch = Enum.GetValues<GanTrainingPhase>().ToDictionary(p => p, p => _seconds[(int)p]);
        Array.Clear(_seconds);
        return epoch;
    }
}
