using System.Diagnostics;
using System.Text;
using Microsoft.ML.Gan.Training;

namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>
/// Feeds randomly damaged model.zip, ONNX and checkpoint files (bit flips, truncation, overwritten ranges, random bytes;
/// seeded) to their loaders (ML.NET's for the first two, scoring a few rows with whatever loads). Every case must end in a successful load or a
/// managed exception within the time limit. Cases run in a child process per file kind, so a native crash is
/// counted (and the run continues) instead of ending the benchmark. The run fails (exit code 1) when any case crashed
/// the process or hung.
/// </summary>
internal static class FuzzBenchmark
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    /// <summary>Runs <paramref name="count"/> cases of each file kind; returns 0, or 1 when a case crashed or hung.</summary>
    public static int Run(int count, string outputDirectory)
    {
        var ml = new MLContext(1);
        var (train, test) = MnistDataset.Load(ml, Repository.DataDirectory);
        var data = ml.Data.KeepLabelsPerClass(ml.Data.TakeRows(train, 1000), 5, 1);
        var options = new SemiSupervisedGanTrainer.Options
        {
            MaxEpoch = 1, BatchSize = 50, Seed = 1, DiscriminatorHiddenSizes = [64, 32], GeneratorHiddenSizes = [32], NoiseSize = 16, InitializationRows = 100,
        };
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data);
        string directory = Directory.CreateTempSubdirectory("mlgan-fuzz-").FullName;
        options.CheckpointDirectory = directory;
        using var model = ml.Gan.SemiSupervised(options).Fit(keys.Transform(data));
        ml.Model.Save(keys.Append(model), data.Schema, Path.Combine(directory, "model.zip"));
        model.SaveOnnx(Path.Combine(directory, "model.onnx"));
        using (var rows = File.Create(Path.Combine(directory, "rows.idv")))
            ml.Data.SaveAsBinary(ml.Data.TakeRows(test, 5), rows);

        var table = new StringBuilder();
        table.AppendLine("| file | cases | loaded and scored | managed exception | hang (> 20 s) | process crash | exception types |");
        table.AppendLine("|---|---:|---:|---:|---:|---:|---|");
        var clock = Stopwatch.StartNew();
        int failures = 0;
        foreach (string kind in new[] { "zip", "onnx", "checkpoint" })
        {
            var outcomes = new List<string>();
            while (outcomes.Count < count)
            {
                var start = new ProcessStartInfo("dotnet", [typeof(FuzzBenchmark).Assembly.Location, "fuzz-run", directory, kind, outcomes.Count.ToString(), count.ToString()])
                {
                    RedirectStandardOutput = true,
                };
                using var child = Process.Start(start)!;
                int before = outcomes.Count;
                string? line;
                while ((line = child.StandardOutput.ReadLine()) is not null)
                {
                    if (line.StartsWith("CASE ", StringComparison.Ordinal))
                        outcomes.Add(line[5..]);
                }
                child.WaitForExit();
                if (child.ExitCode != 0 && outcomes.Count == before && before == 0)
                    throw new InvalidOperationException($"The fuzz child process failed before its first case (exit code {child.ExitCode}).");
                if (child.ExitCode != 0 && outcomes.Count < count)
                    outcomes.Add($"crash (exit code {child.ExitCode})");
            }
            int loaded = outcomes.Count(o => o == "loaded");
            int hangs = outcomes.Count(o => o == "hang");
            int crashes = outcomes.Count(o => o.StartsWith("crash", StringComparison.Ordinal));
            failures += hangs + crashes;
            var types = outcomes.Where(o => o.StartsWith("exception ", StringComparison.Ordinal)).GroupBy(o => o[10..]).OrderByDescending(g => g.Count())
                .Select(g => $"{g.Key} {g.Count()}");
            string row = $"| {kind} | {outcomes.Count} | {loaded} | {outcomes.Count - loaded - hangs - crashes} | {hangs} | {crashes} | {string.Join(", ", types)} |";
            Console.WriteLine(row);
            table.AppendLine(row);
        }
        Directory.Delete(directory, recursive: true);
        string report = $"""
            # Fuzzing the model files

            Command: `dotnet run -c Release --project test/Microsoft.ML.Gan.Benchmarks -- fuzz {count}`
            Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {clock.Elapsed.TotalSeconds:F0} s in all.
            A tiny model (784-64-32-10) is saved as model.zip (`ml.Model.Save`), as ONNX (`SaveOnnx`) and as a training checkpoint. Each case damages a copy
            (seeded by the case number: 1-8 bit flips, truncation at a random length, a random range overwritten with random
            bytes, or random bytes of the same length), loads it (`ml.Model.Load`, or `ApplyOnnxModel` from a stream, then scores
            5 test rows; the checkpoint reader for checkpoints). "Loaded and scored" means the damage did not matter to the loader (for example a flip in unused bytes).

            {table}
            """;
        File.WriteAllText(Path.Combine(outputDirectory, "fuzz.md"), report);
        Console.WriteLine($"Wrote {Path.Combine(outputDirectory, "fuzz.md")}");
        if (failures == 0)
            return 0;
        Console.Error.WriteLine($"FAILED: {failures} case(s) crashed the process or hung.");
        return 1;
    }

    /// <summary>In the child process: runs cases [first, count) of one file kind, printing "CASE outcome" per case.</summary>
    public static int RunCases(string directory, string kind, int first, int count)
    {
        byte[] original = File.ReadAllBytes(Path.Combine(directory, kind switch { "zip" => "model.zip", "onnx" => "model.onnx", _ => TrainingCheckpoint.FileName }));
        var ml = new MLContext(1);
        var rows = ml.Data.LoadFromBinary(Path.Combine(directory, "rows.idv"));
        for (int i = first; i < count; i++)
        {
            byte[] damaged = FileDamage.Apply(original, new Random(i));
            var attempt = Task.Run(() => kind == "checkpoint" ? ReadCheckpoint(directory, i, damaged) : Load(ml, kind, damaged, rows));
            string outcome = !attempt.Wait(Limit) ? "hang"
                : attempt.Result is null ? "loaded"
                : $"exception {attempt.Result.GetType().Name}";
            Console.WriteLine($"CASE {outcome}");
            if (outcome == "hang")
                return 0;
        }
        return 0;
    }

    private static Exception? ReadCheckpoint(string directory, int index, byte[] bytes)
    {
        string path = Path.Combine(directory, $"damaged-{index}.mlgan");
        try
        {
            File.WriteAllBytes(path, bytes);
            TrainingCheckpoint.Read(path, null).Dispose();
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static Exception? Load(MLContext ml, string kind, byte[] bytes, IDataView rows)
    {
        try
        {
            ITransformer model = kind == "zip"
                ? ml.Model.Load(new MemoryStream(bytes), out _)
                : ml.Transforms.ApplyOnnxModel(["Score"], ["Features"], new MemoryStream(bytes), null, false).Fit(rows);
            ScoringBenchmark.Consume(model.Transform(rows));
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }
}
