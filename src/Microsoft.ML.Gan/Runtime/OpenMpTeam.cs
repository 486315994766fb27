using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Microsoft.ML.Gan.Runtime;

/// <summary>
/// Runs managed work on libtorch's own OpenMP threads. libtorch's OpenMP workers wait between its parallel kernels,
/// spinning for a while on their cores; a .NET thread given work meanwhile competes with them for those cores, and the
/// calling thread then waits for whichever got none. Work started through the OpenMP runtime libtorch links
/// (<c>GOMP_parallel</c>, which GNU OpenMP and Intel's OpenMP export) runs on the same team as libtorch's kernels, with
/// the thread count libtorch uses on the calling thread. Where that runtime is not found (libtorch builds without
/// OpenMP), or libtorch uses one thread, the work runs on the calling thread.
/// </summary>
internal static unsafe class OpenMpTeam
{
    private static readonly Lazy<Runtime?> Library = new(Find);

    /// <summary>
    /// Calls <paramref name="body"/>(start, end) once per thread of the team with contiguous, disjoint ranges that cover
    /// 0 .. <paramref name="count"/> - 1 in thread order, on at most <paramref name="threads"/> threads (0: libtorch's
    /// count). Returns once every range is done; an exception thrown by <paramref name="body"/> is rethrown here.
    /// </summary>
    public static void For(int count, Action<int, int> body, int threads = 0)
    {
        int team = threads > 0 ? threads : torch.get_num_threads();
        var runtime = team > 1 && count > 1 ? Library.Value : null;
        if (runtime is null)
        {
            body(0, count);
            return;
        }
        var work = new Work(count, body);
        var handle = GCHandle.Alloc(work);
        try
        {
            runtime.Parallel(&Run, GCHandle.ToIntPtr(handle), (uint)Math.Min(team, count), 0);
        }
        finally
        {
            handle.Free();
        }
        if (work.Error is not null)
            ExceptionDispatchInfo.Throw(work.Error);
    }

    [UnmanagedCallersOnly]
    private static void Run(nint data)
    {
        var work = (Work)GCHandle.FromIntPtr(data).Target!;
        var runtime = Library.Value!;
        work.Run(runtime.ThreadNumber(), runtime.ThreadCount());
    }

    /// <summary>libtorch's OpenMP entry points (<see cref="LibtorchExports"/>); null where libtorch reaches none.</summary>
    private static Runtime? Find()
    {
        nint parallel = LibtorchExports.Find("GOMP_parallel"), number = LibtorchExports.Find("omp_get_thread_num"), count = LibtorchExports.Find("omp_get_num_threads");
        if (parallel == 0 || number == 0 || count == 0)
            return null;
        return new Runtime(
            (delegate* unmanaged<delegate* unmanaged<nint, void>, nint, uint, uint, void>)parallel,
            (delegate* unmanaged<int>)number, (delegate* unmanaged<int>)count);
    }

    private sealed class Runtime(
        delegate* unmanaged<delegate* unmanaged<nint, void>, nint, uint, uint, void> parallel,
        delegate* unmanaged<int> threadNumber,
        delegate* unmanaged<int> threadCount)
    {
        public void Parallel(delegate* unmanaged<nint, void> function, nint data, uint threads, uint flags) => parallel(function, data, threads, flags);

        public int ThreadNumber() => threadNumber();

        public int ThreadCount() => threadCount();
    }

    private sealed class Work(int count, Action<int, int> body)
    {
        public Exception? Error;

        public void Run(int thread, int threads)
        {
            int start = (int)((long)count * thread / threads), end = (int)((long)count * (thread + 1) / threads);
            if (start >= end)
                return;
            try
            {
                body(start, end);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref Error, e, null);
            }
        }
    }
}
