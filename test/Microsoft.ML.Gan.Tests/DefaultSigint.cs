using System.Runtime.InteropServices;

namespace Microsoft.ML.Gan.Tests;

/// <summary>
/// Gives the child processes started while it lives the default SIGINT disposition, as an interactive shell does. A
/// job started in the background by a non-interactive shell (<c>dotnet test ... &amp;</c> in a script) inherits SIGINT
/// ignored, and so does every process it starts; .NET then installs no SIGINT handler (it keeps an inherited SIG_IGN),
/// so a child's PosixSignalRegistration never sees the signal. When this process ignores SIGINT, the scope sets it to
/// SIG_DFL (the runtime has no handler of its own to displace) and sets it back to ignored on Dispose; otherwise it
/// changes nothing, and the runtime resets its own handler to the default in every child it starts.
/// </summary>
internal sealed class DefaultSigint : IDisposable
{
    private const int Sigint = 2;
    private static readonly IntPtr Default = 0, Ignore = 1;

    /// <summary>Bytes enough for struct sigaction on Linux (152) and macOS (16); its first field is the handler.</summary>
    private const int SigactionSize = 512;

    private readonly bool _wasIgnored;

    public DefaultSigint()
    {
        _wasIgnored = IsIgnored();
        if (_wasIgnored && Signal(Sigint, Default) == -1)
            throw new InvalidOperationException($"signal(SIGINT, SIG_DFL) failed: errno {Marshal.GetLastPInvokeError()}.");
    }

    /// <summary>Whether this process ignores SIGINT.</summary>
    public static bool IsIgnored()
    {
        IntPtr current = Marshal.AllocHGlobal(SigactionSize);
        try
        {
            if (Sigaction(Sigint, IntPtr.Zero, current) != 0)
                throw new InvalidOperationException($"sigaction(SIGINT) failed: errno {Marshal.GetLastPInvokeError()}.");
            return Marshal.ReadIntPtr(current) == Ignore;
        }
        finally
        {
            Marshal.FreeHGlobal(current);
        }
    }

    public void Dispose()
    {
        if (_wasIgnored)
            Signal(Sigint, Ignore);
    }

    [DllImport("libc", EntryPoint = "sigaction", SetLastError = true)]
    private static extern int Sigaction(int signal, IntPtr action, IntPtr previous);

    [DllImport("libc", EntryPoint = "signal", SetLastError = true)]
    private static extern IntPtr Signal(int signal, IntPtr handler);
}
