namespace Microsoft.ML.Gan;

public sealed partial class SemiSupervisedGanTrainer
{
    // Runtime and checkpoints: threads and device, early stopping, checkpoints and resuming, progress reports and
    // cancellation.
    public sealed partial class Options
    {
        /// <summary>
        /// Intra-op threads of libtorch. Null (the default) starts on all cores and, on Linux, follows the cores other
        /// processes leave free while training (sampled every 2 s; the log says when the count changes), so a run on a
        /// shared machine slows gracefully; the count changes rounding, so set it for runs that must repeat exactly.
        /// 0 fixes it at all cores; a positive value fixes it at that count.
        /// </summary>
        public int? NumberOfThreads;

        /// <summary>Torch device: "cpu", "cuda" or "cuda:N"; null picks CUDA when available, else the CPU. Default null.</summary>
        public string? Device;

        /// <summary>
        /// The number format of the dense layers' matrix multiplies while training (the convolutions stay float32):
        /// bfloat16 trades rounding for speed on CPUs that multiply it natively. Scoring and the saved model are float32
        /// either way. Default <see cref="MatrixMultiplyPrecision.Auto"/>: bfloat16 on a CPU with bfloat16 instructions,
        /// float32 elsewhere; the log says which. Set <see cref="MatrixMultiplyPrecision.Single"/> for the same rounding on every machine.
        /// </summary>
        public MatrixMultiplyPrecision MatrixMultiplyPrecision = MatrixMultiplyPrecision.Auto;

        /// <summary>
        /// Whether the generator's step trains on the generated batch of the discriminator step just before it, so the
        /// generator runs once per step instead of twice (it has not changed in between; both steps then see the same
        /// samples, as in PyTorch's DCGAN example). False draws new noise for each step, as the paper's code does. Default
        /// null: shared where <see cref="MatrixMultiplyPrecision"/> resolves to bfloat16, the precision in which the seed
        /// protocol has judged it, and new noise in float32.
        /// </summary>
        public bool? SharedGeneratedBatch;

        /// <summary>
        /// Stop when the validation error has not improved for this many epochs, and keep the averaged weights of the
        /// epoch with the lowest validation error. Needs validation data (<c>Fit(train, validation)</c>). Default null (off).
        /// </summary>
        public int? EarlyStoppingPatience;

        /// <summary>
        /// Directory where the complete training state (both networks, optimisers, parameter average, random state) is
        /// written as checkpoint.mlgan every <see cref="CheckpointInterval"/> epochs and after the last one. Each write
        /// replaces the previous checkpoint atomically. Default null (no checkpoints).
        /// </summary>
        public string? CheckpointDirectory;

        /// <summary>Epochs between checkpoints. Default 1.</summary>
        public int CheckpointInterval = 1;

        /// <summary>
        /// A checkpoint file, or a directory holding checkpoint.mlgan, to continue from: training resumes after the
        /// checkpoint's epoch and runs to <see cref="MaxEpoch"/>, reaching the same model as an uninterrupted run with
        /// the same options and data where <see cref="MatrixMultiplyPrecision"/> resolves as it did (otherwise the log
        /// warns, and training continues in this machine's precision). Default null (start afresh).
        /// </summary>
        public string? ResumeFromCheckpoint;

        /// <summary>Receives a report after every epoch, in addition to the MLContext log. Default null.</summary>
        public IProgress<GanTrainingProgress>? Progress;

        /// <summary>
        /// Generator samples to include in every epoch's progress report (<see cref="GanTrainingProgress.Samples"/>), drawn
        /// from the same noise each epoch so that their change shows training; the noise has its own random generator, so
        /// training is unchanged. Default 0 (none).
        /// </summary>
        public int ProgressSampleCount;

        /// <summary>
        /// Stops training when canceled: Fit checks it before every step and then throws
        /// <see cref="OperationCanceledException"/>, having disposed its tensors, networks and optimisers; with
        /// <see cref="CheckpointDirectory"/> set, the last checkpoint stays and <see cref="ResumeFromCheckpoint"/> continues
        /// from it. This is the public way to stop a Fit: ML.NET 5's MLContext.CancelExecution, which AutoML calls to end a
        /// trial and which Fit also obeys, is internal to ML.NET. Default <see cref="CancellationToken.None"/>.
        /// </summary>
        public CancellationToken CancellationToken;
    }
}
