using System.Globalization;

namespace Microsoft.ML.Gan.Runtime;

/// <summary>
/// How many of the cores this process may run on other processes keep busy, from Linux's /proc: the busy time of those
/// cores (/proc/stat, all but idle and iowait) less this process's own CPU time (/proc/self/stat), per second of wall
/// time between two samples. Elsewhere, or where /proc cannot be read, there is no figure.
/// </summary>
internal sealed class CoreLoad
{
    private const string StatPath = "/proc/stat", SelfStatPath = "/proc/self/stat", SelfStatusPath = "/proc/self/status";

    /// <summary>The kernel's clock ticks per second (USER_HZ) in /proc's CPU times; 100 on every Linux ABI .NET runs on.</summary>
    private const double TicksPerSecond = 100;

    private readonly HashSet<int> _allowed;
    private long _busy, _own;
    private long _stamp;

    private CoreLoad(HashSet<int> allowed, long busy, long own)
    {
        _allowed = allowed;
        _busy = busy;
        _own = own;
        _stamp = Environment.TickCount64;
    }

    /// <summary>The cores this process may run on (its affinity).</summary>
    public int AllowedCores => _allowed.Count;

    /// <summary>Starts measuring; null when not on Linux or /proc cannot be read.</summary>
    public static CoreLoad? Start()
    {
        if (!OperatingSystem.IsLinux())
            return null;
        try
        {
            var allowed = AllowedCpus(File.ReadAllLines(SelfStatusPath));
            return allowed.Count == 0 ? null : new CoreLoad(allowed, BusyTicks(File.ReadAllLines(StatPath), allowed), OwnTicks(File.ReadAllText(SelfStatPath)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// The cores other processes kept busy, on average, since the previous sample (or the start), between 0 and
    /// <see cref="AllowedCores"/>; null when less than <paramref name="minimumSeconds"/> of wall time has passed or
    /// /proc could not be read.
    /// </summary>
    public double? Sample(double minimumSeconds)
    {
        long now = Environment.TickCount64;
        double seconds = (now - _stamp) / 1000.0;
        if (seconds < minimumSeconds)
            return null;
        long busy, own;
        try
        {
            busy = BusyTicks(File.ReadAllLines(StatPath), _allowed);
            own = OwnTicks(File.ReadAllText(SelfStatPath));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
        double others = ((busy - _busy) - (own - _own)) / TicksPerSecond / seconds;
        (_busy, _own, _stamp) = (busy, own, now);
        return Math.Clamp(others, 0, _allowed.Count);
    }

    /// <summary>The CPUs of a /proc/[pid]/status text's Cpus_allowed_list line ("0-3,6").</summary>
    internal static HashSet<int> AllowedCpus(IEnumerable<string> status)
    {
        const string key = "Cpus_allowed_list:";
        string list = status.FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal))?[key.Length..].Trim()
            ?? throw new FormatException($"No {key} line in {SelfStatusPath}.");
        var cpus = new HashSet<int>();
        foreach (string range in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] ends = range.Split('-');
            int first = int.Parse(ends[0], CultureInfo.InvariantCulture), last = int.Parse(ends[^1], CultureInfo.InvariantCulture);
            for (int cpu = first; cpu <= last; cpu++)
                cpus.Add(cpu);
        }
        return cpus;
    }

    /// <summary>The busy ticks (user, nice, system, irq, softirq, steal) of the <paramref name="cpus"/> in a /proc/stat text.</summary>
    internal static long BusyTicks(IEnumerable<string> stat, IReadOnlySet<int> cpus)
    {
        long busy = 0;
        foreach (string line in stat)
        {
            if (!line.StartsWith("cpu", StringComparison.Ordinal) || line.Length < 4 || !char.IsAsciiDigit(line[3]))
                continue;
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (!cpus.Contains(int.Parse(fields[0].AsSpan(3), CultureInfo.InvariantCulture)))
                continue;
            // user nice system idle iowait irq softirq steal: all but idle (4th) and iowait (5th) are busy.
            for (int i = 1; i <= Math.Min(8, fields.Length - 1); i++)
            {
                if (i is not (4 or 5))
                    busy += long.Parse(fields[i], CultureInfo.InvariantCulture);
            }
        }
        return busy;
    }

    /// <summary>A /proc/[pid]/stat text's user and system ticks (fields 14 and 15, counted after the parenthesised name).</summary>
    internal static long OwnTicks(string stat)
    {
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state), so field 14 (utime) is fields[11] and field 15 (stime) fields[12].
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }
}
