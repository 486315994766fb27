using System.Diagnostics;
using System.Text;

namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>
/// Long-run and concurrent scoring of a saved model.zip: a million single-row predictions through one
/// PredictionEngine with the resident memory sampled along the way, then eight threads scoring the 10,000 test images
/// through their own engines, compared with serial scoring value for value. The run fails (exit code 1) when the
/// resident memory rose by more than <see cref="MaximumGrowth"/> or a concurrent score differs from the serial one.
/// </summary>
internal static class SoakBenchmark
{
    /// <summary>The largest rise of resident memory from warm-up to the end that counts as flat: 5%.</summary>
    public const double MaximumGrowth = 0.05;

    /// <summary>Runs the soak; returns 0, or 1 when memory rose above <see cref="MaximumGrowth"/> or scores differ.</summary>
    public static int Run(string modelPath, int predictions, string outputDirectory)
    {
        var ml = new MLContext(1);
        var (_, test) = MnistDataset.Load(ml, Repository.DataDirectory);
        var model = ml.Model.Load(modelPath, out _);
        var rows = ml.Data.CreateEnumerable<Digit>(test, reuseRowObject: false).ToArray();
        var engine = ml.Model.CreatePredictionEngine<Digit, Scored>(model);
        for (int i = 0; i < 20_000; i++)
            engine.Predict(rows[i % rows.Length]);
        double start = ResidentMemory.CurrentMiB;
        var samples = new List<(int Predictions, double MiB)> { (0, start) };
        var clock = Stopwatch.StartNew();
        for (int i = 1; i <= predictions; i++)
        {
            engine.Predict(rows[i % rows.Length]);
            if (i % (predictions / 10) == 0)
                samples.Add((i, ResidentMemory.CurrentMiB));
        }
        double seconds = clock.Elapsed.TotalSeconds;
        double end = samples[^1].MiB;
        double growth = (end - start) / start;

        var serial = rows.Select(r => engine.Predict(r).Score).ToArray();
        var concurrent = new float[rows.Length][];
        var threadClock = Stopwatch.StartNew();
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, worker =>
        {
            var own = ml.Model.CreatePredictionEngine<Digit, Scored>(model);
            for (int i = worker; i < rows.Length; i += 8)
                concurrent[i] = own.Predict(rows[i]).Score;
        });
        double threadSeconds = threadClock.Elapsed.TotalSeconds;
        int differing = Enumerable.Range(0, rows.Length).Count(i => !serial[i].SequenceEqual(concurrent[i]));

        var table = new StringBuilder();
        table.AppendLine("| predictions | resident memory (MiB) |");
        table.AppendLine("|---:|---:|");
        foreach (var (count, mib) in samples)
            table.AppendLine($"| {count:N0} | {mib:F1} |");
        string summary = $"""
            {predictions:N0} single-row predictions in {seconds:F0} s ({predictions / seconds:F0} per second); resident memory {start:F1} MiB after
            warm-up and {end:F1} MiB at the end: {growth:+0.00%;-0.00%} ({(growth <= MaximumGrowth ? "flat within 5%" : "NOT flat within 5%")}).
            8 threads with their own PredictionEngine scored the {rows.Length:N0} test images in {threadSeconds:F1} s; {differing} rows differ
            from serial scoring (compared value for value).
            """;
        Console.WriteLine(table);
        Console.WriteLine(summary);
        File.WriteAllText(Path.Combine(outputDirectory, "soak.md"), $"""
            # Soak and concurrency

            Command: `dotnet run -c Release --project test/Microsoft.ML.Gan.Benchmarks -- soak {Path.GetFileName(modelPath)} {predictions}`
            Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC. Resident memory is VmRSS.

            {table}
            {summary}
            """);
        if (growth <= MaximumGrowth && differing == 0)
            return 0;
        Console.Error.WriteLine($"FAILED: resident memory {growth:+0.00%;-0.00%} (bound +{MaximumGrowth:P0}), {differing} rows differ between serial and concurrent scoring.");
        return 1;
    }

    private sealed class Scored
    {
        public float[] Score { get; set; } = [];
    }
}
