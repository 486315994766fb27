using System.Diagnostics;
using System.Text;

namespace Microsoft.ML.Gan.Tests;

/// <summary>
/// Runs a program as a child process with a timeout, capturing its output line by line, and the runtime's crash report
/// (<see cref="CrashReport"/>) in its error output when it dies of a signal or an unhandled exception.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();
    private readonly TaskCompletionSource _outputClosed = new(), _errorClosed = new();
    private readonly CrashReport _crashReport = new();

    /// <summary>Starts <paramref name="fileName"/>; <paramref name="onLine"/> sees each line of standard output as it arrives.</summary>
    public ChildProcess(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null, Action<string>? onLine = null)
    {
        var start = new ProcessStartInfo(fileName, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var (name, value) in _crashReport.Environment.Concat(environment ?? new Dictionary<string, string?>()))
        {
            if (value is null)
                start.Environment.Remove(name);
            else
                start.Environment[name] = value;
        }
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _outputClosed.TrySetResult();
                return;
            }
            lock (_output)
                _output.AppendLine(e.Data);
            onLine?.Invoke(e.Data);
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _errorClosed.TrySetResult();
                return;
            }
            lock (_error)
                _error.AppendLine(e.Data);
        };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public string Error
    {
        get { lock (_error) return _error.ToString(); }
    }

    /// <summary>Waits for the exit and the end of both output streams; kills the process tree and fails after <paramref name="timeout"/>.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
            Assert.Fail($"'{_process.StartInfo.FileName} {string.Join(' ', _process.StartInfo.ArgumentList)}' did not finish within {timeout.TotalSeconds:F0} s.\nOutput:\n{Output}\nError:\n{Error}");
        }
        Task.WaitAll([_outputClosed.Task, _errorClosed.Task], TimeSpan.FromSeconds(30));
        if (_process.ExitCode != 0)
        {
            lock (_error)
                _error.Append(_crashReport.For(_process.Id));
        }
        return _process.ExitCode;
    }

    /// <summary>Runs a program to its end and returns its exit code and output; fails the test after <paramref name="timeout"/>.</summary>
    public static (int Code, string Output, string Error) Run(string fileName, IEnumerable<string> arguments, TimeSpan timeout,
        IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null)
    {
        using var child = new ChildProcess(fileName, arguments, environment, workingDirectory);
        int code = child.WaitForExit(timeout);
        return (code, child.Output, child.Error);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
        _crashReport.Dispose();
    }
}
