using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>
/// The seed protocol (<see cref="SeedProtocol"/>) as a benchmark: starts the unfinished runs as child processes
/// (<see cref="SeedRunner"/>), as many at a time as their torch threads fit in <see cref="SeedProtocol.SharedThreads"/>,
/// then writes the table of all runs (<see cref="SeedsReport"/>) and compares it with a reference. Run again after an
/// interruption, it resumes the unfinished runs from their checkpoints; a finished run without its confusions (finished by
/// an older build) gets them from its last checkpoint; with every run finished it only writes the report.
/// Stopping it (Ctrl+C, SIGTERM) stops its child processes too.
/// </summary>
internal static class SeedsBenchmark
{
    /// <summary>The matrix multiply timed in this process before and after the runs: the MLP's largest layer on a batch.</summary>
    private const int MatmulRows = 100, MatmulInner = 784, MatmulColumns = 1000, MatmulRepetitions = 300;

    /// <summary>Runs the protocol given by the arguments after "seeds"; returns 0 when every run is complete, else 1.</summary>
    public static int Run(string[] arguments, string outputDirectory)
    {
        var protocol = SeedProtocol.Parse(arguments);
        var references = protocol.References.Select(path => (Path: path, Results: SeedsReport.ReadResults(path))).ToArray();
        var candidateRoundings = protocol.CandidateRoundings.Select(path => (Path: path, Results: SeedsReport.ReadResults(path))).ToArray();
        if (!protocol.ReportOnly)
        {
            foreach (var run in protocol.SelectedRuns)
                protocol.RecordOrCheckDefinition(run);
        }
        Console.WriteLine($"Seed protocol '{protocol.Name}', {protocol.Epochs} epochs, runs in {protocol.Directory}");
        string resultsPath = Path.Combine(outputDirectory, $"seeds-{protocol.Name}.json");
        var earlier = File.Exists(resultsPath) ? SeedsReport.ReadResults(resultsPath) : null;
        var finished = SeedsReport.Collect(protocol, earlier).Runs.Where(r => r.Epochs.Length >= protocol.Epochs && r.Confusions is not null).Select(r => r.Name).ToHashSet();
        var pending = protocol.ReportOnly ? [] : protocol.SelectedRuns.Where(r => !finished.Contains(r.Name)).ToList();
        var failures = new List<string>();
        if (pending.Count > 0)
        {
            MeasureMatmul(protocol, "before the runs");
            RunChildren(protocol, pending, failures);
            MeasureMatmul(protocol, "after the runs");
        }

        var results = SeedsReport.Collect(protocol, earlier);
        var report = SeedsReport.Write(results, references, candidateRoundings, outputDirectory);
        Console.WriteLine(report);
        foreach (string failure in failures)
            Console.Error.WriteLine(failure);
        bool complete = results.Runs.All(r => r.Epochs.Length >= protocol.Epochs);
        if (!complete)
            Console.WriteLine($"Not every run is complete; run the same command again to continue: {protocol.Command}");
        return complete ? 0 : 1;
    }

    private static int Completed(SeedProtocol protocol, SeedProtocolRun run) =>
        SeedEpoch.ReadCsv(Path.Combine(protocol.RunDirectory(run), SeedRunner.ResultsFile)).Count;

    /// <summary>
    /// Starts the runs in order, each as soon as its threads fit beside the running ones, relays their output (prefixed
    /// with the run's name, and into the run folder's log.txt) and waits for all of them.
    /// </summary>
    private static void RunChildren(SeedProtocol protocol, List<SeedProtocolRun> pending, List<string> failures)
    {
        var running = new List<(SeedProtocolRun Run, Process Process, StreamWriter Log)>();
        void StopChildren(PosixSignalContext context)
        {
            lock (running)
            {
                foreach (var (_, process, _) in running)
                {
                    if (!process.HasExited)
                        process.Kill();
                }
            }
        }
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, StopChildren);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, StopChildren);
        foreach (var run in pending)
        {
            while (running.Sum(r => r.Run.Threads) + run.Threads > SeedProtocol.SharedThreads && running.Count > 0)
                WaitForExits(protocol, running, failures);
            var (process, log) = Start(protocol, run, running.Select(r => r.Run.Name).ToList());
            lock (running)
                running.Add((run, process, log));
        }
        while (running.Count > 0)
            WaitForExits(protocol, running, failures);
    }

    /// <summary>Waits until at least one child has exited, then accounts for every child that has.</summary>
    private static void WaitForExits(SeedProtocol protocol, List<(SeedProtocolRun Run, Process Process, StreamWriter Log)> running, List<string> failures)
    {
        while (!running.Any(r => r.Process.HasExited))
            Thread.Sleep(500);
        foreach (var finished in running.Where(r => r.Process.HasExited).ToList())
        {
            finished.Process.WaitForExit();
            int done = Completed(protocol, finished.Run);
            string outcome = $"{finished.Run.Name}: exited with code {finished.Process.ExitCode} after epoch {done} of {protocol.Epochs}";
            Console.WriteLine(outcome);
            if (finished.Process.ExitCode != 0 || done < protocol.Epochs)
                failures.Add($"{outcome}; see {Path.Combine(protocol.RunDirectory(finished.Run), "log.txt")}.");
            lock (running)
                running.Remove(finished);
            finished.Process.Dispose();
            lock (finished.Log)
                finished.Log.Dispose();
        }
    }

    private static (Process Process, StreamWriter Log) Start(SeedProtocol protocol, SeedProtocolRun run, List<string> alongside)
    {
        string directory = protocol.RunDirectory(run);
        int done = Completed(protocol, run);
        if (done < protocol.Epochs)
            File.AppendAllText(Path.Combine(directory, "sittings.txt"), string.Create(CultureInfo.InvariantCulture,
                $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ} from epoch {done + 1}, {run.Threads} thread(s), alongside: {(alongside.Count > 0 ? string.Join(" ", alongside) : "none")}, commit {SeedsReport.Commit}\n"));
        var start = new ProcessStartInfo("dotnet", [typeof(SeedsBenchmark).Assembly.Location, "seeds-run", run.Name, .. protocol.Arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["OMP_NUM_THREADS"] = run.Threads.ToString(CultureInfo.InvariantCulture);
        var log = new StreamWriter(Path.Combine(directory, "log.txt"), append: true) { AutoFlush = true };
        void Relay(string? line)
        {
            if (line is null)
                return;
            lock (log)
                log.WriteLine(line);
            Console.WriteLine($"[{run.Name}] {line}");
        }
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Relay(e.Data);
        process.ErrorDataReceived += (_, e) => Relay(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Console.WriteLine($"{run.Name}: started (process {process.Id}, {run.Threads} torch thread(s), {(done < protocol.Epochs ? $"from epoch {done + 1}" : "for the final model's confusions")}, alongside: {(alongside.Count > 0 ? string.Join(", ", alongside) : "none")})");
        return (process, log);
    }

    /// <summary>Times the matrix multiply with one and with two torch threads in this process and adds the rates to the protocol's matmul.csv.</summary>
    private static void MeasureMatmul(SeedProtocol protocol, string when)
    {
        string path = MatmulRate.ThisProcess().Replace(",", ";", StringComparison.Ordinal);
        foreach (int threads in new[] { 1, SeedProtocol.SharedThreads }.Distinct())
        {
            set_num_threads(threads);
            double rate = MatmulRate.Gflops(MatmulRows, MatmulInner, MatmulColumns, MatmulRepetitions);
            SeedsMatmul.Append(protocol, new SeedsMatmul(DateTime.UtcNow, when, threads, $"{MatmulRows}x{MatmulInner} by {MatmulInner}x{MatmulColumns} ({path})", rate));
            Console.WriteLine($"Matrix multiply {MatmulRows}x{MatmulInner} by {MatmulInner}x{MatmulColumns}, {threads} thread(s), {when}, {path}: {rate:F1} GFLOP/s");
        }
    }
}
