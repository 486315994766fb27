using Microsoft.ML.Gan.Training;
using Microsoft.ML.Runtime;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Tests;

/// <summary>The collapse guard: detection on loss sequences, the rollback to a snapshot that predates the onset, and training runs.</summary>
[TestClass]
public sealed class CollapseGuardTests
{
    private static SemiSupervisedGanTrainer.Options GuardOptions() => new()
    {
        CollapseGuardWindowSteps = 10,
        CollapseGuardWarmupSteps = 100,
        CollapseRescueSteps = 200,
    };

    /// <summary>
    /// Feeds the guard healthy losses (discriminator 0.3-0.5, generator 1-5, varying by step), then from
    /// <paramref name="onset"/> on the discriminator winning (0.005 and 100); the watched tensor holds the step number.
    /// Returns the step the guard fired at (-1: never) and the tensor's value right after.
    /// </summary>
    private static (long Fired, float Restored, List<string> Log) Feed(int steps, int onset, SemiSupervisedGanTrainer.Options options)
    {
        using var watched = zeros(1);
        var ml = new MLContext(1);
        var log = new List<string>();
        ml.Log += (_, e) => { if (e.RawMessage.Contains("Collapse guard")) log.Add(e.RawMessage); };
        using var channel = ((IChannelProvider)ml).Start("guard");
        using var guard = new CollapseGuard(options, [watched], channel);
        var random = new Random(3);
        for (int step = 0; step < steps; step++)
        {
            watched.fill_(step);
            guard.BeginStep(1, 0);
            if (guard.Recoveries > 0)
                return (step, watched.item<float>(), log);
            bool collapsed = step >= onset;
            guard.ObserveDiscriminator(collapsed ? 0.005 : 0.3 + 0.2 * random.NextDouble());
            guard.ObserveGenerator(collapsed ? 100 : 1 + 4 * random.NextDouble());
        }
        return (-1, float.NaN, log);
    }

    [TestMethod]
    public void HealthyLossesNeverFire()
    {
        var (fired, _, log) = Feed(3000, onset: int.MaxValue, GuardOptions());
        Assert.AreEqual(-1, fired, string.Join("\n", log));
    }

    [TestMethod]
    public void WinningDiscriminatorFiresWithinAWindowAndRestoresAStateFromBeforeTheOnset()
    {
        var (fired, restored, log) = Feed(3000, onset: 1234, GuardOptions());
        Assert.IsTrue(fired is > 1234 and <= 1234 + 20, $"fired at step {fired}");
        Assert.IsTrue(restored is < 1234 and >= 1234 - 120, $"restored the state of step {restored}");
        Assert.AreEqual(2, log.Count, "one message for the detection, one for the recovery");
        StringAssert.Contains(log[1], $"of step {restored}");
    }
}
