using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Microsoft.ML.Gan.Kernels;

/// <summary>A short run (3 warm-ups, 3 iterations) in this process, with allocations measured.</summary>
public sealed class KernelConfig : ManualConfig
{
    public KernelConfig()
    {
        AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
        AddDiagnoser(MemoryDiagnoser.Default);
    }
}
