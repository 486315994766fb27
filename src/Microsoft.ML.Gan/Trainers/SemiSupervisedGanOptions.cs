namespace Microsoft.ML.Gan;

public sealed partial class SemiSupervisedGanTrainer
{
    // The fields are grouped in files as a user thinks of them, in one flat class as ML.NET's trainers' options are
    // (docs/options.md has the same groups): SemiSupervisedGanOptions.Columns.cs (columns and data), .Paper.cs (the
    // paper's core), .Techniques.cs (extra techniques), .Stability.cs (instance noise and the collapse guard),
    // .Convolutional.cs (architecture and image shape), .Runtime.cs (runtime and checkpoints), .Tabular.cs (the tabular
    // defaults).
    /// <summary>
    /// Options of <see cref="SemiSupervisedGanTrainer"/>. The defaults are the paper's permutation-invariant MNIST
    /// setup (Salimans et al., 2016, official feature-matching code) except the optimiser, which is Bad GAN's (Dai et al.,
    /// 2017: <see cref="AdamBeta2"/>, the generator's own rates, <see cref="LearningRateDecayEpochs"/>), instance noise
    /// (<see cref="InstanceNoiseStandardDeviation"/>), the averaging warm-up (<see cref="AveragingRate"/>) and the
    /// collapse guard (<see cref="CollapseGuard"/>).
    /// </summary>
    public sealed partial class Options
    {
        /// <summary>
        /// These options for ensemble member <paramref name="member"/> (from 0): its own checkpoint subdirectory. Resuming,
        /// a member after the first that has no checkpoint yet starts afresh: training stopped before it began.
        /// </summary>
        internal Options ForEnsembleMember(int member)
        {
            if (EnsembleSize == 1)
                return this;
            var copy = (Options)MemberwiseClone();
            copy.CheckpointDirectory = CheckpointDirectory is null ? null : EnsembleMemberDirectory(CheckpointDirectory, member);
            string? resume = ResumeFromCheckpoint is null ? null : EnsembleMemberDirectory(ResumeFromCheckpoint, member);
            bool notBegun = member > 0 && resume is not null && !File.Exists(Path.Combine(resume, Training.TrainingCheckpoint.FileName));
            copy.ResumeFromCheckpoint = notBegun ? null : resume;
            return copy;
        }

        /// <summary>The checkpoint subdirectory of ensemble member <paramref name="member"/> (from 0) in <paramref name="directory"/>.</summary>
        internal static string EnsembleMemberDirectory(string directory, int member) => Path.Combine(directory, $"member-{member}");
    }
}
