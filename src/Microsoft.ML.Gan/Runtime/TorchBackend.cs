using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Runtime;

/// <summary>
/// The one place that chooses the torch device and thread count. The native backend is the NuGet package named by
/// TorchBackendPackage in Directory.Packages.props (TorchSharp-cpu by default; TorchSharp-cuda-linux for NVIDIA GPUs).
/// </summary>
internal static class TorchBackend
{
    /// <summary>Resolves "cpu", "cuda" or "cuda:N"; null means CUDA when the loaded backend has it, else the CPU.</summary>
    public static Device ResolveDevice(string? device)
    {
        if (string.IsNullOrWhiteSpace(device))
            return cuda.is_available() ? CUDA : CPU;
        var resolved = new Device(device);
        if (resolved.type == DeviceType.CUDA && !cuda.is_available())
            throw new ArgumentException(
                $"Device '{device}' was requested but the loaded TorchSharp backend has no CUDA support: reference TorchSharp-cuda-linux instead of TorchSharp-cpu (TorchBackendPackage in Directory.Packages.props).",
                nameof(device));
        return resolved;
    }

    /// <summary>Sets libtorch's intra-op thread count; null or 0 means all cores (with null, <see cref="FreeCoreThreads"/> may lower it during training).</summary>
    public static void SetThreads(int? threads)
    {
        int count = threads is null or 0 ? Environment.ProcessorCount : threads.Value;
        if (get_num_threads() != count)
            set_num_threads(count);
    }
}
