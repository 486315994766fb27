namespace Microsoft.ML.Gan;

/// <summary>Checks the trainer's options before any data is read, naming the option and its value.</summary>
internal static class OptionsValidation
{
    public static void Check(SemiSupervisedGanTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Positive(options.MaxEpoch, nameof(options.MaxEpoch));
        Positive(options.BatchSize, nameof(options.BatchSize));
        Positive(options.NoiseSize, nameof(options.NoiseSize));
        Positive(options.InitializationRows, nameof(options.InitializationRows));
        Positive(options.LearningRate, nameof(options.LearningRate));
        Positive(options.InitialWeightStandardDeviation, nameof(options.InitialWeightStandardDeviation));
        NonNegative(options.UnlabeledWeight, nameof(options.UnlabeledWeight));
        NonNegative(options.InputNoiseStandardDeviation, nameof(options.InputNoiseStandardDeviation));
        NonNegative(options.HiddenNoiseStandardDeviation, nameof(options.HiddenNoiseStandardDeviation));
        InRange(options.AdamBeta1, 0, 1, nameof(options.AdamBeta1));
        InRange(options.AdamBeta2, 0, 1, nameof(options.AdamBeta2));
        if (!(options.AveragingRate > 0 && options.AveragingRate <= 1))
            throw new ArgumentOutOfRangeException(nameof(options.AveragingRate), options.AveragingRate, "AveragingRate must be in (0, 1].");
        if (options.NumberOfThreads < 0)
            throw new ArgumentOutOfRangeException(nameof(options.NumberOfThreads), options.NumberOfThreads, "NumberOfThreads must be null, 0 (all cores) or positive.");
        if (options.EarlyStoppingPatience <= 0)
            throw new ArgumentOutOfRangeException(nameof(options.EarlyStoppingPatience), options.EarlyStoppingPatience, "EarlyStoppingPatience must be null (off) or a positive number of epochs.");
        Positive(options.CheckpointInterval, nameof(options.CheckpointInterval));
        NonNegative(options.ProgressSampleCount, nameof(options.ProgressSampleCount));
        if (!(options.OneSidedLabelSmoothing > 0 && options.OneSidedLabelSmoothing <= 1))
            throw new ArgumentOutOfRangeException(nameof(options.OneSidedLabelSmoothing), options.OneSidedLabelSmoothing, "OneSidedLabelSmoothing must be in (0, 1]; 1 is off, 0.9 the usual value.");
        NonNegative(options.HistoricalAveragingWeight, nameof(options.HistoricalAveragingWeight));
        NonNegative(options.ConditionalClassWeight, nameof(options.ConditionalClassWeight));
        Positive(options.DiscriminatorSteps, nameof(options.DiscriminatorSteps));
        NonNegative(options.InstanceNoiseStandardDeviation, nameof(options.InstanceNoiseStandardDeviation));
        Positive(options.InstanceNoiseDecayEpochs, nameof(options.InstanceNoiseDecayEpochs));
        NonNegative(options.ExperienceReplaySize, nameof(options.ExperienceReplaySize));
        NonNegative(options.MinibatchDiscriminationKernels, nameof(options.MinibatchDiscriminationKernels));
        Positive(options.MinibatchDiscriminationKernelDimension, nameof(options.MinibatchDiscriminationKernelDimension));
        if (!(options.ExperienceReplayFraction >= 0 && options.ExperienceReplayFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(options.ExperienceReplayFraction), options.ExperienceReplayFraction, "ExperienceReplayFraction must be in [0, 1].");
        if (!Enum.IsDefined(options.GeneratorObjective))
            throw new ArgumentOutOfRangeException(nameof(options.GeneratorObjective), options.GeneratorObjective, "GeneratorObjective must be FeatureMatching, NonSaturating or Minimax.");
        if (options.StreamingShuffleBufferSize is int buffer)
            Positive(buffer, nameof(options.StreamingShuffleBufferSize));
        Positive(options.EnsembleSize, nameof(options.EnsembleSize));
        if (options.ForEnsembleMember(0).ResumeFromCheckpoint is string resume && !File.Exists(resume) && !File.Exists(Path.Combine(resume, Training.TrainingCheckpoint.FileName)))
            throw new FileNotFoundException($"ResumeFromCheckpoint: no checkpoint file at '{resume}' (a checkpoint file or a directory holding {Training.TrainingCheckpoint.FileName} is expected).", resume);
        Sizes(options.DiscriminatorHiddenSizes, nameof(options.DiscriminatorHiddenSizes));
        Sizes(options.GeneratorHiddenSizes, nameof(options.GeneratorHiddenSizes));
        if (string.IsNullOrWhiteSpace(options.LabelColumnName))
            throw new ArgumentException("LabelColumnName must name a column.", nameof(options.LabelColumnName));
        if (string.IsNullOrWhiteSpace(options.FeatureColumnName))
            throw new ArgumentException("FeatureColumnName must name a column.", nameof(options.FeatureColumnName));
    }

    public static void CheckAgainstData(SemiSupervisedGanTrainer.Options options, long rows)
    {
        if (options.BatchSize > rows)
            throw new ArgumentOutOfRangeException(nameof(options.BatchSize), options.BatchSize,
                $"BatchSize {options.BatchSize} is larger than the {rows} rows of the training data.");
    }

    private static void Positive(double value, string name)
    {
        if (!(value > 0) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a positive number.");
    }

    private static void NonNegative(double value, string name)
    {
        if (!(value >= 0) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be zero or positive.");
    }

    private static void InRange(double value, double low, double high, string name)
    {
        if (!(value >= low && value < high))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [{low}, {high}).");
    }

    private static void Sizes(int[] sizes, string name)
    {
        if (sizes is null || sizes.Length == 0 || sizes.Any(s => s <= 0))
            throw new ArgumentOutOfRangeException(name, sizes is null ? "null" : string.Join(", ", sizes),
                $"{name} must list one or more positive layer widths.");
    }
}
