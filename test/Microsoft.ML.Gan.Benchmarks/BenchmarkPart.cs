namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>A part of a benchmark run and what it covers: "table:5+10" names the part "table" and selects 5 and 10 (null: everything).</summary>
internal sealed record BenchmarkPart(string Name, int[]? Selection)
{
    /// <summary>Parses "name" or "name:a+b+c".</summary>
    public static BenchmarkPart Parse(string text)
    {
        var halves = text.Split(':', 2);
        return new BenchmarkPart(halves[0], halves.Length == 2 ? halves[1].Split('+').Select(int.Parse).ToArray() : null);
    }

    /// <summary>Parses a comma-separated list of parts, in the order given.</summary>
    public static BenchmarkPart[] ParseList(string parts) =>
        parts.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(Parse).ToArray();
}
