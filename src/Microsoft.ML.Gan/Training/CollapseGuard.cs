using Microsoft.ML.Runtime;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// Detects the discriminator winning outright and rolls training back. The discriminator's unsupervised loss and the
/// generator's loss are averaged over windows of steps; their baselines are running averages of past windows (rate
/// 1/8 per window; 1/2 during the warm-up, while the losses still move fast). After the warm-up only healthy windows
/// (losses within the square roots of the ratios of their baselines) move the baselines, so an onset spread over many
/// windows cannot drag them along. After the warm-up, a window whose discriminator loss is below ratio_D times its
/// baseline while the generator's loss is above ratio_G times its baseline is a collapse: the guard restores the trusted snapshot (both
/// networks and their buffers, both optimisers' moments, the parameter average), discards the pending one, and adds
/// rescue instance noise that decays linearly to 0, its duration doubling with each recovery of the run. Detection then
/// pauses for one snapshot interval. A snapshot is taken every four windows into a preallocated pending copy; it
/// becomes the trusted one when the window before it and the four after it were healthy (losses within the square
/// roots of the ratios of their baselines), so the state restored predates the onset.
/// </summary>
internal sealed class CollapseGuard : IDisposable
{
    private const int SnapshotWindows = 4;
    private const double BaselineRate = 1.0 / 8;
    private const double WarmupBaselineRate = 1.0 / 2;

    private readonly IChannel _log;
    private readonly double _discriminatorRatio;
    private readonly double _generatorRatio;
    private readonly int _windowSteps;
    private readonly long _warmupSteps;
    private readonly double _rescueNoise;
    private readonly long _rescueSteps;
    private TrainingSnapshot _trusted;
    private TrainingSnapshot _pending;
    private double _discriminatorSum, _generatorSum;
    private int _discriminatorCount, _generatorCount;
    private bool _healthySincePending;
    private long _quietUntil;
    private long _rescueStart = -1;
    private long _rescueLength;
    private int _epochRecoveries;
    private readonly Action? _restored;

    /// <summary>
    /// Sets up the guard; <paramref name="state"/> is every tensor a recovery restores, in a fixed order,
    /// <paramref name="log"/> receives detections and recoveries, and <paramref name="restored"/> runs after a recovery
    /// has restored them.
    /// </summary>
    public CollapseGuard(SemiSupervisedGanTrainer.Options options, IReadOnlyList<Tensor> state, IChannel log, Action? restored = null)
    {
        _log = log;
        _restored = restored;
        _discriminatorRatio = options.CollapseDiscriminatorLossRatio;
        _generatorRatio = options.CollapseGeneratorLossRatio;
        _windowSteps = options.CollapseGuardWindowSteps;
        _warmupSteps = options.CollapseGuardWarmupSteps;
        _rescueNoise = options.CollapseRescueInstanceNoise;
        _rescueSteps = options.CollapseRescueSteps;
        _trusted = new TrainingSnapshot(state);
        _pending = new TrainingSnapshot(state);
    }

    /// <summary>Discriminator steps observed over the whole run.</summary>
    public long Steps { get; private set; }

    /// <summary>Windows closed over the whole run.</summary>
    public long Windows { get; private set; }

    /// <summary>Running average of the windows' mean unsupervised discriminator loss.</summary>
    public double DiscriminatorBaseline { get; private set; }

    /// <summary>Running average of the windows' mean generator loss.</summary>
    public double GeneratorBaseline { get; private set; }

    /// <summary>Recoveries over the whole run.</summary>
    public int Recoveries { get; private set; }

    /// <summary>
    /// Called before each discriminator step: closes a full window (which may detect a collapse and restore the trusted
    /// snapshot) and returns the instance noise of this step, the larger of <paramref name="scheduled"/> and the rescue noise.
    /// </summary>
    public double BeginStep(int epoch, double scheduled)
    {
        if (_discriminatorCount >= _windowSteps)
            CloseWindow(epoch);
        return Math.Max(scheduled, RescueNoise());
    }

    /// <summary>Records a discriminator step's unsupervised loss.</summary>
    public void ObserveDiscriminator(double unsupervisedLoss)
    {
        _discriminatorSum += unsupervisedLoss;
        _discriminatorCount++;
        Steps++;
    }

    /// <summary>Records a generator step's loss.</summary>
    public void ObserveGenerator(double loss)
    {
        _generatorSum += loss;
        _generatorCount++;
    }

    /// <summary>Recoveries since the last call (for the epoch's progress report).</summary>
    public int TakeEpochRecoveries()
    {
        int count = _epochRecoveries;
        _epochRecoveries = 0;
        return count;
    }

    /// <summary>The rescue noise at the current step: 0 before any recovery.</summary>
    private double RescueNoise() => _rescueStart < 0 ? 0 : _rescueNoise * Math.Max(0, 1 - (double)(Steps - _rescueStart) / _rescueLength);

    private void CloseWindow(int epoch)
    {
        double discriminator = _discriminatorSum / _discriminatorCount;
        double generator = _generatorCount > 0 ? _generatorSum / _generatorCount : double.NaN;
        _discriminatorSum = _generatorSum = 0;
        _discriminatorCount = _generatorCount = 0;
        if (Windows++ == 0)
        {
            DiscriminatorBaseline = discriminator;
            GeneratorBaseline = generator;
            _healthySincePending = true;
            return;
        }
        bool warm = Steps >= _warmupSteps;
        bool winning = discriminator < _discriminatorRatio * DiscriminatorBaseline && generator > _generatorRatio * GeneratorBaseline;
        if (warm && winning && Steps >= _quietUntil)
        {
            Recover(epoch, discriminator, generator);
            return;
        }
        bool healthy = discriminator >= Math.Sqrt(_discriminatorRatio) * DiscriminatorBaseline
            && generator <= Math.Sqrt(_generatorRatio) * GeneratorBaseline;
        if (!warm || healthy)
        {
            double rate = warm ? BaselineRate : WarmupBaselineRate;
            DiscriminatorBaseline += rate * (discriminator - DiscriminatorBaseline);
            GeneratorBaseline += rate * (generator - GeneratorBaseline);
        }
        _healthySincePending &= healthy;
        if (Windows % SnapshotWindows != 0)
            return;
        if (_pending.IsTaken && _healthySincePending)
            (_trusted, _pending) = (_pending, _trusted);
        _pending.Take(Steps);
        _healthySincePending = healthy;
    }

    private void Recover(int epoch, double discriminator, double generator)
    {
        Recoveries++;
        _epochRecoveries++;
        _log.Warning(MessageSensitivity.None,
            $"Collapse guard: the discriminator is winning at epoch {epoch}, step {Steps}: its unsupervised loss {discriminator:G4} over the last {_windowSteps} steps "
            + $"(baseline {DiscriminatorBaseline:G4}), the generator's loss {generator:G4} (baseline {GeneratorBaseline:G4}).");
        string restored = "no snapshot was trusted yet, so the state is kept";
        if (_trusted.IsTaken)
        {
            _trusted.Restore();
            _restored?.Invoke();
            restored = $"restored the networks, optimiser moments and parameter average of step {_trusted.Step}";
        }
        _pending.Step = -1;
        _healthySincePending = false;
        _rescueStart = Steps;
        _rescueLength = _rescueSteps << Math.Min(Recoveries - 1, 20);
        _quietUntil = Steps + (long)SnapshotWindows * _windowSteps;
        _log.Warning(MessageSensitivity.None,
            $"Collapse guard: recovery {Recoveries}: {restored}; instance noise {_rescueNoise:G3} decaying to 0 over {_rescueLength} steps.");
    }

    /// <summary>Adds the guard's state (counters, baselines, partial window, rescue schedule, snapshots) to a checkpoint.</summary>
    public void SaveTo(TrainingCheckpoint checkpoint, string prefix)
    {
        var n = checkpoint.Numbers;
        n[$"{prefix}.steps"] = Steps;
        n[$"{prefix}.windows"] = Windows;
        n[$"{prefix}.baseline.discriminator"] = DiscriminatorBaseline;
        n[$"{prefix}.baseline.generator"] = GeneratorBaseline;
        n[$"{prefix}.recoveries"] = Recoveries;
        n[$"{prefix}.window.discriminator.sum"] = _discriminatorSum;
        n[$"{prefix}.window.discriminator.count"] = _discriminatorCount;
        n[$"{prefix}.window.generator.sum"] = _generatorSum;
        n[$"{prefix}.window.generator.count"] = _generatorCount;
        n[$"{prefix}.healthy"] = _healthySincePending ? 1 : 0;
        n[$"{prefix}.quiet"] = _quietUntil;
        n[$"{prefix}.rescue.start"] = _rescueStart;
        n[$"{prefix}.rescue.length"] = _rescueLength;
        foreach (var (name, snapshot) in new[] { ("trusted", _trusted), ("pending", _pending) })
        {
            n[$"{prefix}.{name}.step"] = snapshot.Step;
            if (!snapshot.IsTaken)
                continue;
            for (int i = 0; i < snapshot.Copies.Count; i++)
                checkpoint.Add($"{prefix}.{name}.{i}", snapshot.Copies[i]);
        }
    }

    /// <summary>Restores what <see cref="SaveTo"/> wrote; a checkpoint written without the guard leaves it fresh (baseline formed anew).</summary>
    public void LoadFrom(TrainingCheckpoint checkpoint, string prefix, string path)
    {
        if (!checkpoint.Numbers.ContainsKey($"{prefix}.steps"))
            return;
        double Number(string name) => checkpoint.GetNumber($"{prefix}.{name}", path);
        Steps = (long)Number("steps");
        Windows = (long)Number("windows");
        DiscriminatorBaseline = Number("baseline.discriminator");
        GeneratorBaseline = Number("baseline.generator");
        Recoveries = (int)Number("recoveries");
        _discriminatorSum = Number("window.discriminator.sum");
        _discriminatorCount = (int)Number("window.discriminator.count");
        _generatorSum = Number("window.generator.sum");
        _generatorCount = (int)Number("window.generator.count");
        _healthySincePending = Number("healthy") != 0;
        _quietUntil = (long)Number("quiet");
        _rescueStart = (long)Number("rescue.start");
        _rescueLength = (long)Number("rescue.length");
        foreach (var (name, snapshot) in new[] { ("trusted", _trusted), ("pending", _pending) })
        {
            snapshot.Step = (long)Number($"{name}.step");
            if (!snapshot.IsTaken)
                continue;
            for (int i = 0; i < snapshot.Copies.Count; i++)
                checkpoint.CopyTo($"{prefix}.{name}.{i}", snapshot.Copies[i], path);
        }
    }

    public void Dispose()
    {
        _trusted.Dispose();
        _pending.Dispose();
    }
}
