using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.ML.Gan.Networks;
using Microsoft.ML.Gan.Runtime;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>
/// libtorch's float32 matrix-multiply rate, in this process and in a child process with MKL's fast path on AMD switched
/// the other way (MKL fixes its code path once per process, so the other path needs another process), and the code
/// branch MKL chose.
/// </summary>
internal static partial class MatmulRate
{
    /// <summary>
    /// Best of three timings of <paramref name="repetitions"/> products of an m x k by a k x n matrix of <paramref name="type"/>,
    /// in GFLOP/s: libtorch's matmul, or in bfloat16 <see cref="BFloat16Product"/> (the second matrix stored n x k, as
    /// the layers store their weights), as the discriminator's training passes multiply.
    /// </summary>
    public static double Gflops(int m, int k, int n, int repetitions, ScalarType type = ScalarType.Float32)
    {
        using var a = rand(m, k, dtype: type);
        using var b = rand(k, n, dtype: type);
        using var weight = rand(n, k, dtype: type);
        Action product = type == ScalarType.BFloat16 ? () => BFloat16Product.Of(a, false, weight, true).Dispose() : () => a.matmul(b).Dispose();
        for (int i = 0; i < 3; i++)
            product();
        double best = double.MaxValue;
        for (int trial = 0; trial < 3; trial++)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < repetitions; i++)
                product();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return 2.0 * m * k * n * repetitions / best / 1e9;
    }

    /// <summary>The MLP's largest product, 100x784 by 784x1000, in <paramref name="type"/>, in GFLOP/s.</summary>
    public static double MlpShape(ScalarType type = ScalarType.Float32) => Gflops(100, 784, 1000, 3000, type);

    /// <summary>A 4096^3 product, in GFLOP/s.</summary>
    public static double Square() => Gflops(4096, 4096, 4096, 4);

    /// <summary>The code branch MKL chose in this process (its automatic CNR branch, after a multiply), e.g. "AVX-512 E1".</summary>
    public static string MklBranch()
    {
        using (var a = ones(8, 8))
            a.matmul(a).Dispose();
        const int RtldNow = 0x2, RtldNoLoad = 0x4;
        nint library = dlopen("libtorch_cpu.so", RtldNow | RtldNoLoad);
        nint function = library == 0 ? 0 : dlsym(library, "mkl_serv_cbwr_get_auto_branch");
        if (function == 0)
            return "unknown";
        int branch;
        unsafe
        {
            branch = ((delegate* unmanaged<int>)function)();
        }
        // MKL_CBWR_* of mkl_cbwr.h.
        return branch switch
        {
            2 => "none of Intel's (MKL's path for other CPUs)",
            3 => "compatible",
            4 => "SSE2",
            6 => "SSSE3",
            7 => "SSE4.1",
            8 => "SSE4.2",
            9 => "AVX",
            10 => "AVX2",
            12 => "AVX-512",
            14 => "AVX-512 E1",
            _ => $"MKL_CBWR {branch}",
        };
    }

    /// <summary>
    /// The path of this process in words: the fast path's state and MKL's branch. Call it before any other TorchSharp
    /// call of the process, so that Microsoft.ML.Gan's module initializer runs before libtorch loads.
    /// </summary>
    public static string ThisProcess()
    {
        var state = MklFastPath.Enable();
        return $"{state}, MKL branch {MklBranch()}";
    }

    /// <summary>
    /// The rates with the fast path switched opposite to this process (by <see cref="MklFastPath.EnvironmentVariable"/>),
    /// measured in a child process; null where the fast path does not apply (not an AMD CPU on x86-64 Linux).
    /// </summary>
    public static (string Path, double MlpShape, double Square)? OtherPath(int threads, bool square)
    {
        var state = MklFastPath.Enable();
        if (state is not (MklFastPathState.Enabled or MklFastPathState.TurnedOff))
            return null;
        var start = new ProcessStartInfo("dotnet", [typeof(MatmulRate).Assembly.Location, "matmul-run", threads.ToString(CultureInfo.InvariantCulture), square ? "square" : "mlp"])
        {
            RedirectStandardOutput = true,
        };
        start.Environment[MklFastPath.EnvironmentVariable] = state == MklFastPathState.Enabled ? "0" : "1";
        using var child = Process.Start(start)!;
        string output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        string result = output.Split('\n').LastOrDefault(l => l.StartsWith("RESULT\t", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"The matmul child process failed (exit code {child.ExitCode}): {output}");
        string[] parts = result.Split('\t');
        return (parts[1], double.Parse(parts[2], CultureInfo.InvariantCulture), double.Parse(parts[3], CultureInfo.InvariantCulture));
    }

    /// <summary>The child process of <see cref="OtherPath"/>: prints "RESULT path mlp-shape square" (tab-separated; square NaN when not asked).</summary>
    public static int RunChild(int threads, bool square)
    {
        string path = ThisProcess();
        set_num_threads(threads);
        double mlp = MlpShape();
        double squareRate = square ? Square() : double.NaN;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT\t{path}\t{mlp}\t{squareRate}"));
        return 0;
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint dlopen(string name, int flags);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint dlsym(nint handle, string name);
}
