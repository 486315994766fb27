using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Runtime;

/// <summary>Direct access to a CPU tensor's values for loops that run beside libtorch's kernels.</summary>
internal static unsafe class TensorMemory
{
    /// <summary>
    /// libtorch's grain size for elementwise kernels (at::internal::GRAIN_SIZE): below this many elements they run on the
    /// calling thread, and loops beside them do the same.
    /// </summary>
    public const long ParallelFrom = 32768;

    /// <summary>The address of a contiguous tensor's first element; its storage is native memory, which does not move.</summary>
    public static T* Address<T>(Tensor tensor) where T : unmanaged
    {
        fixed (byte* start = tensor.bytes)
            return (T*)start;
    }
}
