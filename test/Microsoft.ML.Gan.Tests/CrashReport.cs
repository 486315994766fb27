using System.Text;
using System.Text.Json;

namespace Microsoft.ML.Gan.Tests;

/// <summary>
/// The .NET runtime's crash report of a child process that dies of a signal or an unhandled exception: the runtime's
/// createdump writes it (<c>DOTNET_EnableCrashReport</c>) with a small dump, into a folder of this test run. The
/// crashed thread's frames (managed methods by name, native ones as library + offset) go into the failing test's
/// message, so that a crash seen once, on a machine nobody can log in to, says where it happened.
/// </summary>
internal sealed class CrashReport : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mlgan-crash-").FullName;

    /// <summary>The environment that turns the runtime's crash report on for a child started with it.</summary>
    public IReadOnlyDictionary<string, string?> Environment => new Dictionary<string, string?>
    {
        ["DOTNET_DbgEnableMiniDump"] = "1",
        ["DOTNET_DbgMiniDumpType"] = "1",
        ["DOTNET_EnableCrashReport"] = "1",
        ["DOTNET_DbgMiniDumpName"] = Path.Combine(_folder, "crash.%p"),
    };

    /// <summary>The crashed thread's frames of child <paramref name="processId"/>, one per line; empty when it wrote no report.</summary>
    public string For(int processId)
    {
        string file = Path.Combine(_folder, $"crash.{processId}.crashreport.json");
        if (!File.Exists(file))
            return "";
        using var report = JsonDocument.Parse(File.ReadAllText(file));
        var text = new StringBuilder($"Crash report of process {processId}, crashed thread:\n");
        foreach (var thread in report.RootElement.GetProperty("payload").GetProperty("threads").EnumerateArray())
        {
            if (Text(thread, "crashed") != "true")
                continue;
            foreach (var frame in thread.GetProperty("stack_frames").EnumerateArray())
            {
                text.AppendLine(Text(frame, "is_managed") == "true"
                    ? $"  {Text(frame, "method_name") ?? "(a stub)"} ({Text(frame, "filename") ?? "managed"})"
                    : $"  {Text(frame, "native_module") ?? "?"}+{Text(frame, "native_image_offset")}");
            }
        }
        return text.ToString();
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.ToString() : null;
}
