using System.Reflection;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Gan.Trainers;

/// <summary>
/// ML.NET's own trainers stop when the MLContext is canceled (MLContext.CancelExecution, which AutoML calls to end a
/// trial) through <c>IHost.CheckAlive()</c>, but those two methods and the <c>ICancelable</c> interface behind them are
/// internal to ML.NET 5. This reads
/// <c>ICancelable.IsCanceled</c> of the trainer's host by reflection (cached once) and throws as CheckAlive does.
/// </summary>
internal static class HostCancellation
{
    private static readonly PropertyInfo? IsCanceled =
        typeof(IHost).Assembly.GetType("Microsoft.ML.Runtime.ICancelable")?.GetProperty("IsCanceled");

    /// <summary>Throws <see cref="OperationCanceledException"/> when <paramref name="host"/>'s MLContext was canceled.</summary>
    public static void CheckAlive(IHost host)
    {
        if (IsCanceled is not null && IsCanceled.DeclaringType!.IsInstanceOfType(host) && (bool)IsCanceled.GetValue(host)!)
            throw new OperationCanceledException("Training was canceled: the MLContext was canceled.");
    }
}
