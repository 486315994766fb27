using System.Runtime.InteropServices;

namespace Microsoft.ML.Gan.Cli;

/// <summary>
/// While training runs, the first Ctrl+C (SIGINT) cancels <see cref="Token"/>, which the trainer checks before every
/// step: it finishes its current step and throws <see cref="OperationCanceledException"/>. A second Ctrl+C ends the
/// process at once.
/// </summary>
internal sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration _registration;

    public Interruption(TextWriter output)
    {
        _registration = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            if (_source.IsCancellationRequested)
                return;
            context.Cancel = true;
            output.WriteLine("Interrupt: stopping at the end of the current step (Ctrl+C again to quit at once).");
            _source.Cancel();
        });
    }

    /// <summary>Canceled by the first Ctrl+C.</summary>
    public CancellationToken Token => _source.Token;

    public void Dispose()
    {
        _registration.Dispose();
        _source.Dispose();
    }
}
