namespace Microsoft.ML.Gan.Tests;

/// <summary>A child process that crashes leaves the runtime's crash report in its error output (<see cref="CrashReport"/>).</summary>
[TestClass]
public sealed class ChildProcessTests
{
    [TestMethod]
    public void ASegmentationFaultReportsTheCrashedThreadsFrames()
    {
        var (code, output, error) = ChildProcess.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "Microsoft.ML.Gan.NativeProbe.dll"), "fault"],
            TimeSpan.FromMinutes(2));

        string log = $"Output:\n{output}\nError:\n{error}";
        Assert.AreEqual(139, code, log);
        StringAssert.Contains(error, "Crash report of process", log);
        // The native frame that faulted, and the managed frames that led there (the one that made the native call can be
        // missing: the JIT inlines the call's transition into it).
        StringAssert.Contains(error, "libc.so.6+0x", log);
        StringAssert.Contains(error, "Program.<Main>$(System.String[]) (Microsoft.ML.Gan.NativeProbe.dll)", log);
    }
}
