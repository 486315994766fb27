using Microsoft.ML.Runtime;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Runtime;

/// <summary>
/// Keeps libtorch's thread count at the cores other processes leave free (<see cref="CoreLoad"/>), between 1 and all
/// cores, when NumberOfThreads is null. With another busy process on each core, two torch threads wait at every
/// parallel kernel for whichever of them the scheduler has paused, and an epoch ran about 6 times slower than alone;
/// one thread keeps working. Every <see cref="SampleSeconds"/> of wall time the load is sampled; the count changes
/// only when two samples in a row agree on the new one, so a short burst of another process does not flip it.
/// </summary>
internal sealed class FreeCoreThreads
{
    /// <summary>Wall seconds between two samples of the other processes' load.</summary>
    public const double SampleSeconds = 2.0;

    private readonly CoreLoad _load;
    private readonly IChannel _channel;
    private readonly int _most;
    private int _pending;

    private FreeCoreThreads(CoreLoad load, IChannel channel)
    {
        _load = load;
        _channel = channel;
        _most = Environment.ProcessorCount;
        Threads = _pending = get_num_threads();
    }

    /// <summary>The thread count in use.</summary>
    public int Threads { get; private set; }

    /// <summary>Starts following the free cores; null where the load cannot be measured (not Linux, no /proc), or on one core.</summary>
    public static FreeCoreThreads? Start(IChannel channel) =>
        Environment.ProcessorCount > 1 && CoreLoad.Start() is CoreLoad load ? new FreeCoreThreads(load, channel) : null;

    /// <summary>
    /// The thread count for <paramref name="othersBusy"/> cores kept busy by other processes out of
    /// <paramref name="allowedCores"/>: the free cores, rounded half up, at least 1 and at most <paramref name="most"/>.
    /// </summary>
    internal static int For(double othersBusy, int allowedCores, int most) =>
        Math.Clamp((int)Math.Floor(allowedCores - othersBusy + 0.5), 1, most);

    /// <summary>Call between steps: samples the load when it is due and changes the thread count when two samples agree.</summary>
    public void Step(int epoch)
    {
        if (_load.Sample(SampleSeconds) is not double others)
            return;
        int wanted = For(others, _load.AllowedCores, _most);
        bool confirmed = wanted == _pending;
        _pending = wanted;
        if (!confirmed || wanted == Threads)
            return;
        set_num_threads(wanted);
        _channel.Info(MessageSensitivity.None,
            $"Other processes keep {others:F1} of {_load.AllowedCores} cores busy: {wanted} torch thread(s) from epoch {epoch} on, instead of {Threads} "
            + "(NumberOfThreads = null follows the free cores; set it to fix the count).");
        Threads = wanted;
    }
}
