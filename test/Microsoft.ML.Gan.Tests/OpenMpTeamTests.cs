using Microsoft.ML.Gan.Runtime;

namespace Microsoft.ML.Gan.Tests;

/// <summary>Work split over libtorch's OpenMP threads (<see cref="OpenMpTeam"/>): every index once in one contiguous range per thread, exceptions back to the caller, and on Linux two threads at work.</summary>
[TestClass]
public sealed class OpenMpTeamTests
{
    [TestMethod]
    public void TheTeamCoversEveryIndexOnceInContiguousRanges()
    {
        foreach (int threads in new[] { 1, 2, 3, 8 })
        {
            var hits = new int[1000];
            var starts = new List<int>();
            OpenMpTeam.For(hits.Length, (start, end) =>
            {
                lock (starts)
                    starts.Add(start);
                for (int i = start; i < end; i++)
                    Interlocked.Increment(ref hits[i]);
            }, threads: threads);
            CollectionAssert.AreEqual(Enumerable.Repeat(1, hits.Length).ToArray(), hits, $"{threads} threads");
            Assert.AreEqual(threads, starts.Count, $"one range per thread of {threads}");
        }
        Assert.ThrowsExactly<InvalidOperationException>(() => OpenMpTeam.For(100, (_, _) => throw new InvalidOperationException("from the team"), threads: 2));
    }

    [TestMethod]
    public void OnLinuxTheWorkRunsOnLibtorchsOpenMpThreads()
    {
        if (!OperatingSystem.IsLinux())
            Assert.Inconclusive("libtorch's OpenMP runtime is looked up on Linux, where TorchSharp-cpu links GNU OpenMP");
        var threads = new HashSet<int>();
        OpenMpTeam.For(2, (_, _) =>
        {
            lock (threads)
                threads.Add(Environment.CurrentManagedThreadId);
        }, threads: 2);
        Assert.AreEqual(2, threads.Count, "the two ranges ran on two threads: the calling thread and an OpenMP worker");
    }
}
