using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using Microsoft.ML.Gan.Runtime;

namespace Microsoft.ML.Gan.Tests;

/// <summary>
/// MKL's fast path on AMD and the OpenMP wait policy, set before libtorch loads. Each case runs the probe program
/// (test/Microsoft.ML.Gan.NativeProbe) in a fresh process, since MKL chooses its code path once per process, and reads
/// MKL's own report of the code branch it chose (its automatic CNR branch, MKL_CBWR_* of mkl_cbwr.h).
/// </summary>
[TestClass]
public sealed class NativeStartupTests
{
    private const int MklBranchOtherCpus = 2;
    private const int MklBranchAvx2 = 10;
    private const int MklBranchAvx512 = 12;

    private static bool FastPathApplies =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64 && MklFastPath.CpuVendor() == "AuthenticAMD";

    [TestMethod]
    public void MklTakesItsIntelCodePathOnAmdByDefault()
    {
        var report = Probe([], []);
        if (!FastPathApplies)
        {
            Assert.AreEqual(nameof(MklFastPathState.NotApplicable), report["state"]);
            return;
        }
        Assert.AreEqual(nameof(MklFastPathState.Enabled), report["state"]);
        string[] symbol = report["symbol"].Split(' ');
        Assert.AreEqual(MklFastPath.LibraryName, Path.GetFileName(symbol[0]), "mkl_serv_intel_cpu_true should resolve to the shipped library");
        Assert.AreEqual("1", symbol[1]);
        int branch = int.Parse(report["branch"]);
        if (Avx512F.IsSupported && Avx512F.VL.IsSupported && Avx512CD.IsSupported && Avx512BW.IsSupported && Avx512DQ.IsSupported)
            Assert.IsTrue(branch >= MklBranchAvx512, $"MKL chose branch {branch} on a CPU with AVX-512; expected {MklBranchAvx512} or above");
        else if (Avx2.IsSupported)
            Assert.AreEqual(MklBranchAvx2, branch, "a CPU without AVX-512 should get MKL's AVX2 branch");
    }

    [TestMethod]
    public void WithoutAvx512MklChoosesAvx2()
    {
        if (!FastPathApplies || !Avx2.IsSupported)
            return;
        // MKL_ENABLE_INSTRUCTIONS=AVX2 makes MKL dispatch as on a CPU whose best instructions are AVX2.
        var report = Probe([], new() { ["MKL_ENABLE_INSTRUCTIONS"] = "AVX2" });
        Assert.AreEqual(nameof(MklFastPathState.Enabled), report["state"]);
        Assert.AreEqual(MklBranchAvx2, int.Parse(report["branch"]));
    }

    [TestMethod]
    public void EnvironmentVariableTurnsTheFastPathOff()
    {
        foreach (string value in new[] { "0", "false" })
        {
            var report = Probe([], new() { [MklFastPath.EnvironmentVariable] = value });
            AssertOff(report, nameof(MklFastPathState.TurnedOff));
        }
    }

    [TestMethod]
    public void RuntimeOptionTurnsTheFastPathOff() => AssertOff(Probe(["switch-off"], []), nameof(MklFastPathState.TurnedOff));

    [TestMethod]
    public void LibtorchLoadedFirstIsReported() => AssertOff(Probe(["torch-first"], []), nameof(MklFastPathState.LibtorchAlreadyLoaded));

    [TestMethod]
    public void OpenMpThreadsSpinBrieflyUnlessTheUserChose()
    {
        if (!OperatingSystem.IsLinux())
            return;
        var unset = new Dictionary<string, string?> { [OpenMpWaitPolicy.Variable] = null, [OpenMpWaitPolicy.SpinCountVariable] = null };
        var defaults = Probe([], unset);
        Assert.AreEqual(OpenMpWaitPolicy.SpinCount, defaults["getenv GOMP_SPINCOUNT"]);
        Assert.AreEqual("unset", defaults["getenv OMP_WAIT_POLICY"]);
        var active = Probe([], new() { [OpenMpWaitPolicy.Variable] = "ACTIVE", [OpenMpWaitPolicy.SpinCountVariable] = null });
        Assert.AreEqual("ACTIVE", active["getenv OMP_WAIT_POLICY"]);
        Assert.AreEqual("unset", active["getenv GOMP_SPINCOUNT"]);
        Assert.AreEqual("1000", Probe([], new() { [OpenMpWaitPolicy.Variable] = null, [OpenMpWaitPolicy.SpinCountVariable] = "1000" })["getenv GOMP_SPINCOUNT"]);
    }

    [TestMethod]
    public void TrainerLogsWhetherTheFastPathIsOn()
    {
        var ml = new MLContext(1);
        var messages = new List<string>();
        ml.Log += (_, e) =>
        {
            lock (messages)
                messages.Add(e.Message);
        };
        var train = MnistSubset.Train(ml, 200, labelsPerClass: 2);
        using var model = ml.Gan.SemiSupervised(MnistSubset.TinyOptions()).Fit(ml.Transforms.Conversion.MapValueToKey("Label").Fit(train).Transform(train));
        string expected = MklFastPath.Describe();
        StringAssert.StartsWith(expected, "MKL fast path on AMD: ");
        Assert.IsTrue(messages.Any(m => m.Contains(expected, StringComparison.Ordinal)), $"no log message '{expected}'");
        Assert.IsTrue(messages.Any(m => m.Contains(OpenMpWaitPolicy.Describe(), StringComparison.Ordinal)), "no log message on the OpenMP wait policy");
    }

    private static void AssertOff(Dictionary<string, string> report, string state)
    {
        if (!FastPathApplies)
        {
            Assert.AreEqual(nameof(MklFastPathState.NotApplicable), report["state"]);
            return;
        }
        Assert.AreEqual(state, report["state"]);
        Assert.AreEqual("none", report["symbol"], "no library should define mkl_serv_intel_cpu_true in the global scope");
        Assert.AreEqual(MklBranchOtherCpus, int.Parse(report["branch"]), "MKL should keep its path for non-Intel CPUs");
    }

    /// <summary>Runs the probe with <paramref name="arguments"/> and environment changes (null removes a variable); returns its lines by first word.</summary>
    private static Dictionary<string, string> Probe(string[] arguments, Dictionary<string, string?> environment)
    {
        string probe = Path.Combine(AppContext.BaseDirectory, "Microsoft.ML.Gan.NativeProbe.dll");
        var start = new ProcessStartInfo("dotnet", [probe, .. arguments]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment.Remove(MklFastPath.EnvironmentVariable);
        start.Environment.Remove("MKL_ENABLE_INSTRUCTIONS");
        foreach (var (name, value) in environment)
        {
            if (value is null)
                start.Environment.Remove(name);
            else
                start.Environment[name] = value;
        }
        using var child = Process.Start(start)!;
        var error = child.StandardError.ReadToEndAsync();
        string output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        Assert.AreEqual(0, child.ExitCode, $"probe failed: {output} {error.Result}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.StartsWith("getenv ", StringComparison.Ordinal) ? line.Split('=', 2) : line.Split(' ', 2))
            .ToDictionary(parts => parts[0], parts => parts[1]);
    }
}
