using System.Diagnostics;
using System.Text;

namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>
/// Peak resident memory of training as the data grows, with all rows in memory and with the unlabeled rows streamed
/// through a 10,000-row shuffle buffer. Each configuration runs in a child process (so peaks do not mix), reads the
/// data, trains for a fixed number of seconds and reports its peak resident set (VmHWM), then exits.
/// </summary>
internal static class MemoryBenchmark
{
    private static readonly long[] Sizes = [100_000, 500_000, 2_000_000];

    public static void Run(int trainingSeconds, string outputDirectory)
    {
        var table = new StringBuilder();
        table.AppendLine("| rows | mode | peak resident memory (MiB) | seconds to read the data |");
        table.AppendLine("|---:|---|---:|---:|");
        foreach (long rows in Sizes)
        {
            foreach (bool streamed in new[] { false, true })
            {
                var start = new ProcessStartInfo("dotnet", [typeof(MemoryBenchmark).Assembly.Location, "memory-run", rows.ToString(), streamed ? "streamed" : "memory", trainingSeconds.ToString()])
                {
                    RedirectStandardOutput = true,
                };
                using var child = Process.Start(start)!;
                string output = child.StandardOutput.ReadToEnd();
                child.WaitForExit();
                string result = output.Split('\n').LastOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal)) ?? "RESULT failed -";
                var parts = result.Split(' ');
                string line = $"| {rows:N0} | {(streamed ? "streamed (buffer 10,000)" : "in memory")} | {parts[1]} | {parts[2]} |";
                Console.WriteLine(line);
                table.AppendLine(line);
            }
        }
        string report = $"""
            # Training memory as the data grows

            Command: `dotnet run -c Release --project test/Microsoft.ML.Gan.Benchmarks -- memory {trainingSeconds}`
            Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.
            Data: distorted MNIST generated on the fly (training image i mod 60,000 shifted by up to 2 pixels; 100 labeled rows),
            served by `LoadFromEnumerable`, so the view itself holds only the 60,000 source images. Default options, 2 threads.
            Each configuration runs in its own process: it reads the data, trains for {trainingSeconds} s and reports its peak
            resident set (VmHWM), which includes the .NET runtime, libtorch, ML.NET and the 60,000 source images.

            {table}
            """;
        File.WriteAllText(Path.Combine(outputDirectory, "memory.md"), report);
        Console.WriteLine($"Wrote {Path.Combine(outputDirectory, "memory.md")}");
    }

    /// <summary>One configuration, in the child process: prints "RESULT peakMiB readSeconds" and exits.</summary>
    public static int RunOne(long rows, bool streamed, int trainingSeconds)
    {
        var ml = new MLContext(1);
        var data = DistortedMnist.Create(ml, rows);
        var clock = Stopwatch.StartNew();
        double readSeconds = double.NaN;
        using var started = new ManualResetEventSlim();
        ml.Log += (_, e) =>
        {
            if (e.Message.Contains(" rows, ", StringComparison.Ordinal) && !started.IsSet)
            {
                readSeconds = clock.Elapsed.TotalSeconds;
                started.Set();
            }
        };
        var options = new SemiSupervisedGanTrainer.Options
        {
            MaxEpoch = 1,
            Seed = 1,
            NumberOfThreads = 2,
            StreamingShuffleBufferSize = streamed ? 10_000 : null,
        };
        var training = new Thread(() => ml.Gan.SemiSupervised(options).Fit(data)) { IsBackground = true };
        training.Start();
        started.Wait();
        Console.WriteLine($"{rows} rows read in {readSeconds:F1} s: {ResidentMemory.CurrentMiB:F0} MiB resident");
        Thread.Sleep(TimeSpan.FromSeconds(trainingSeconds));
        Console.WriteLine($"RESULT {ResidentMemory.PeakMiB:F0} {readSeconds:F1}");
        Process.GetCurrentProcess().Kill();
        return 0;
    }
}
