namespace Microsoft.ML.Gan.Runtime;

/// <summary>The outcome of <see cref="MklFastPath.Enable"/> in this process.</summary>
internal enum MklFastPathState
{
    /// <summary>The native library answering MKL's CPU check was loaded before libtorch.</summary>
    Enabled,

    /// <summary>Turned off by the runtime option or the environment variable.</summary>
    TurnedOff,

    /// <summary>Not an AMD CPU, or not x86-64 Linux: MKL needs no help.</summary>
    NotApplicable,

    /// <summary>libtorch was loaded before Microsoft.ML.Gan, so MKL's dispatch could no longer be changed.</summary>
    LibtorchAlreadyLoaded,

    /// <summary>The native library was missing or could not be loaded.</summary>
    Failed,
}
