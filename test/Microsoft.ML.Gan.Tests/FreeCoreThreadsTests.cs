using System.Diagnostics;
using Microsoft.ML.Gan.Runtime;
using Microsoft.ML.Runtime;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Tests;

/// <summary>
/// The default thread count follows the cores other processes leave free: /proc's figures are read correctly, the
/// count is the free cores rounded half up, and with a busy process on every core the trainer's follower drops to one
/// torch thread.
/// </summary>
[TestClass]
public sealed class FreeCoreThreadsTests
{
    [TestMethod]
    public void ProcFiguresAreReadAsTheKernelWritesThem()
    {
        CollectionAssert.AreEquivalent(new[] { 0, 1, 4, 6, 7 }, CoreLoad.AllowedCpus(["Name:\tdotnet", "Cpus_allowed:\td3", "Cpus_allowed_list:\t0-1,4,6-7"]).ToArray());
        string[] stat =
        [
            "cpu  900 0 90 9000 9 1 1 0 0 0",
            "cpu0 100 10 20 5000 7 1 2 3 40 0",
            "cpu1 200 0 30 4000 2 0 0 0 0 0",
            "cpu2 1000 0 0 0 0 0 0 0 0 0",
            "intr 123 0 0",
        ];
        Assert.AreEqual(100 + 10 + 20 + 1 + 2 + 3 + 200 + 30, CoreLoad.BusyTicks(stat, new HashSet<int> { 0, 1 }), "user, nice, system, irq, softirq and steal of cpu0 and cpu1 only; idle, iowait and guest left out");
        Assert.AreEqual(1234 + 56, CoreLoad.OwnTicks("4242 (dotnet (test) x) S 1 4242 4242 0 -1 4194304 100 0 0 0 1234 56 0 0 20 0 9 0 100 2000000 300 18446744073709551615"),
            "utime and stime are counted after the last parenthesis, whatever the name holds");
    }

    [TestMethod]
    [DataRow(0.0, 2, 2, 2)]
    [DataRow(0.5, 2, 2, 2)]
    [DataRow(0.6, 2, 2, 1)]
    [DataRow(1.0, 2, 2, 1)]
    [DataRow(2.0, 2, 2, 1)]
    [DataRow(3.2, 8, 8, 5)]
    [DataRow(0.0, 8, 4, 4)]
    public void TheCountIsTheFreeCoresRoundedHalfUpBetweenOneAndTheMost(double others, int allowed, int most, int expected) =>
        Assert.AreEqual(expected, FreeCoreThreads.For(others, allowed, most));

    [TestMethod]
    public void WithABusyProcessOnEveryCoreTheFollowerDropsToOneThread()
    {
        if (!OperatingSystem.IsLinux() || Environment.ProcessorCount < 2)
            Assert.Inconclusive("The load is read from Linux's /proc, on a machine with more than one core.");
        if (CoreLoad.Start()!.AllowedCores != Environment.ProcessorCount)
            Assert.Inconclusive("A CPU quota below the cores the process may run on: one busy process per allowed core would not fit in the quota.");
        int before = get_num_threads();
        var busy = Enumerable.Range(0, Environment.ProcessorCount)
            .Select(_ => Process.Start(new ProcessStartInfo("sh", ["-c", "while :; do :; done"]))!).ToList();
        try
        {
            set_num_threads(Environment.ProcessorCount);
            var load = CoreLoad.Start()!;
            Thread.Sleep(1500);
            double others = load.Sample(1.0) ?? double.NaN;
            Assert.IsGreaterThan(0.7 * Environment.ProcessorCount, others, $"{Environment.ProcessorCount} spinning shells keep the cores busy: measured {others:F2}");

            var ml = new MLContext(seed: 1);
            var messages = new List<string>();
            ml.Log += (_, e) => messages.Add(e.Message);
            using var channel = ((IChannelProvider)ml).Start("threads");
            var follower = FreeCoreThreads.Start(channel)!;
            var clock = Stopwatch.StartNew();
            while (follower.Threads > 1 && clock.Elapsed < TimeSpan.FromSeconds(15))
            {
                follower.Step(epoch: 1);
                Thread.Sleep(50);
            }
            Assert.AreEqual(1, follower.Threads, "two samples of 2 s agree that no core is free");
            Assert.AreEqual(1, get_num_threads(), "and libtorch runs on one thread");
            Assert.IsTrue(messages.Any(m => m.Contains("1 torch thread(s) from epoch 1 on", StringComparison.Ordinal)), "the change is logged");
        }
        finally
        {
            foreach (var process in busy)
            {
                process.Kill();
                process.WaitForExit();
                process.Dispose();
            }
            set_num_threads(before);
        }
    }
}
