using Microsoft.ML.Gan.Networks;

namespace Microsoft.ML.Gan.Trainers;

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
        if (options.LearningRateDecayEpochs is int decayEpochs)
            NonNegative(decayEpochs, nameof(options.LearningRateDecayEpochs));
        Positive(options.InitialWeightStandardDeviation, nameof(options.InitialWeightStandardDeviation));
        NonNegative(options.UnlabeledWeight, nameof(options.UnlabeledWeight));
        NonNegative(options.InputNoiseStandardDeviation, nameof(options.InputNoiseStandardDeviation));
        NonNegative(options.HiddenNoiseStandardDeviation, nameof(options.HiddenNoiseStandardDeviation));
        InRange(options.AdamBeta1, 0, 1, nameof(options.AdamBeta1));
        InRange(options.AdamBeta2, 0, 1, nameof(options.AdamBeta2));
        Positive(options.GeneratorLearningRate, nameof(options.GeneratorLearningRate));
        InRange(options.GeneratorAdamBeta1, 0, 1, nameof(options.GeneratorAdamBeta1));
        InRange(options.GeneratorAdamBeta2, 0, 1, nameof(options.GeneratorAdamBeta2));
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
        NonNegative(options.ConsistencyWeight, nameof(options.ConsistencyWeight));
        NonNegative(options.MutualInformationWeight, nameof(options.MutualInformationWeight));
        NonNegative(options.VirtualAdversarialWeight, nameof(options.VirtualAdversarialWeight));
        Positive(options.VirtualAdversarialEpsilon, nameof(options.VirtualAdversarialEpsilon));
        Positive(options.VirtualAdversarialXi, nameof(options.VirtualAdversarialXi));
        NonNegative(options.ConditionalClassWeight, nameof(options.ConditionalClassWeight));
        Positive(options.DiscriminatorSteps, nameof(options.DiscriminatorSteps));
        NonNegative(options.InstanceNoiseStandardDeviation, nameof(options.InstanceNoiseStandardDeviation));
        Positive(options.InstanceNoiseDecayEpochs, nameof(options.InstanceNoiseDecayEpochs));
        if (!(options.CollapseDiscriminatorLossRatio > 0 && options.CollapseDiscriminatorLossRatio < 1))
            throw new ArgumentOutOfRangeException(nameof(options.CollapseDiscriminatorLossRatio), options.CollapseDiscriminatorLossRatio, "CollapseDiscriminatorLossRatio must be in (0, 1).");
        if (!(options.CollapseGeneratorLossRatio > 1))
            throw new ArgumentOutOfRangeException(nameof(options.CollapseGeneratorLossRatio), options.CollapseGeneratorLossRatio, "CollapseGeneratorLossRatio must be above 1.");
        Positive(options.CollapseGuardWindowSteps, nameof(options.CollapseGuardWindowSteps));
        if (options.CollapseGuardWindowSteps < options.DiscriminatorSteps)
            throw new ArgumentOutOfRangeException(nameof(options.CollapseGuardWindowSteps), options.CollapseGuardWindowSteps,
                $"CollapseGuardWindowSteps must be at least DiscriminatorSteps ({options.DiscriminatorSteps}) so that every window has a generator step.");
        NonNegative(options.CollapseGuardWarmupSteps, nameof(options.CollapseGuardWarmupSteps));
        NonNegative(options.CollapseRescueInstanceNoise, nameof(options.CollapseRescueInstanceNoise));
        Positive(options.CollapseRescueSteps, nameof(options.CollapseRescueSteps));
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
        if (!Enum.IsDefined(options.Architecture))
            throw new ArgumentOutOfRangeException(nameof(options.Architecture), options.Architecture, "Architecture must be Mlp or Convolutional.");
        if (options.Architecture == GanArchitecture.Convolutional)
            Convolutional(options);
        if (!Enum.IsDefined(options.MatrixMultiplyPrecision))
            throw new ArgumentOutOfRangeException(nameof(options.MatrixMultiplyPrecision), options.MatrixMultiplyPrecision, "MatrixMultiplyPrecision must be Auto, Single or BFloat16.");
        if (!Enum.IsDefined(options.FeatureScaling))
            throw new ArgumentOutOfRangeException(nameof(options.FeatureScaling), options.FeatureScaling, "FeatureScaling must be Auto, None or Standardize.");
        if (options.FeatureScaling == FeatureScaling.Standardize && options.Architecture != GanArchitecture.Mlp)
            throw new ArgumentException("FeatureScaling = Standardize needs the Mlp architecture; the convolutional networks take pixels in [0, 1] (use Auto or None).", nameof(options.FeatureScaling));
        if (string.IsNullOrWhiteSpace(options.LabelColumnName))
            throw new ArgumentException("LabelColumnName must name a column.", nameof(options.LabelColumnName));
        if (string.IsNullOrWhiteSpace(options.FeatureColumnName))
            throw new ArgumentException("FeatureColumnName must name a column.", nameof(options.FeatureColumnName));
        if (string.IsNullOrWhiteSpace(options.ScoreColumnName))
            throw new ArgumentException("ScoreColumnName must name a column.", nameof(options.ScoreColumnName));
        if (string.IsNullOrWhiteSpace(options.PredictedLabelColumnName))
            throw new ArgumentException("PredictedLabelColumnName must name a column.", nameof(options.PredictedLabelColumnName));
        if (options.ScoreColumnName == options.PredictedLabelColumnName)
            throw new ArgumentException($"ScoreColumnName and PredictedLabelColumnName are both '{options.ScoreColumnName}'; the two outputs need different names.",
                nameof(options.PredictedLabelColumnName));
    }

    public static void CheckAgainstData(SemiSupervisedGanTrainer.Options options, long rows)
    {
        if (options.BatchSize > rows)
            throw new ArgumentOutOfRangeException(nameof(options.BatchSize), options.BatchSize,
                $"BatchSize {options.BatchSize} is larger than the {rows} rows of the training data.");
    }

    /// <summary>
    /// The image shape the convolutional networks read the <paramref name="featureCount"/> features as: the feature
    /// column's <paramref name="dimensions"/> when they are [channels, height, width] (as ExtractPixels declares them) and
    /// no image option is set; else the options' channels (default 1), height and width, or a square of
    /// features / channels when both sides are null.
    /// </summary>
    public static ImageShape ImageShapeFor(SemiSupervisedGanTrainer.Options options, long featureCount, IReadOnlyList<int> dimensions)
    {
        int channels = options.ImageChannels ?? 1;
        int height, width;
        if (options.ImageChannels is null && options.ImageHeight is null && options.ImageWidth is null && dimensions.Count == 3)
        {
            (channels, height, width) = (dimensions[0], dimensions[1], dimensions[2]);
        }
        else if (options.ImageHeight is null && options.ImageWidth is null)
        {
            long side = (long)Math.Round(Math.Sqrt(featureCount / (double)channels));
            if (side * side * channels != featureCount)
                throw new ArgumentException(
                    $"The Convolutional architecture cannot infer the image shape: {featureCount} features are not {channels} channel(s) of a square image. Set ImageHeight and ImageWidth (and ImageChannels).",
                    nameof(options.ImageHeight));
            height = width = (int)side;
        }
        else if (options.ImageHeight is int h && options.ImageWidth is int w)
        {
            (height, width) = (h, w);
        }
        else
        {
            var (missing, given) = options.ImageHeight is null
                ? (nameof(options.ImageHeight), nameof(options.ImageWidth))
                : (nameof(options.ImageWidth), nameof(options.ImageHeight));
            throw new ArgumentException($"{missing} must be set when {given} is.", missing);
        }
        var shape = new ImageShape(channels, height, width);
        if (shape.Size != featureCount)
            throw new ArgumentException(
                $"ImageChannels x ImageHeight x ImageWidth = {shape} = {shape.Size} values, but the feature column has {featureCount}.", nameof(options.ImageChannels));
        if (height < MinimumImageSide || width < MinimumImageSide)
            throw new ArgumentOutOfRangeException(height < MinimumImageSide ? nameof(options.ImageHeight) : nameof(options.ImageWidth), shape.ToString(),
                $"The Convolutional architecture needs images of at least {MinimumImageSide}x{MinimumImageSide} pixels (two stride-2 convolutions and a 3x3 valid one); the image is {shape}.");
        return shape;
    }

    /// <summary>Smallest image side the convolutional discriminator takes: ceil(side / 4) must cover its 3x3 valid convolution.</summary>
    public const int MinimumImageSide = 9;

    /// <summary>ConvolutionalWidth's step: every hidden convolution then has a whole number of oneDNN's widest channel blocks (16 floats, AVX-512).</summary>
    public const int ConvolutionalWidthStep = 16;

    private static void Convolutional(SemiSupervisedGanTrainer.Options options)
    {
        if (options.ConvolutionalWidth <= 0 || options.ConvolutionalWidth % ConvolutionalWidthStep != 0)
            throw new ArgumentOutOfRangeException(nameof(options.ConvolutionalWidth), options.ConvolutionalWidth,
                $"ConvolutionalWidth must be a positive multiple of {ConvolutionalWidthStep} (16, 32, 48, ...): libtorch's oneDNN convolutions read "
                + "the uninitialised padding of channel blocks when a layer's channel count is not a multiple of the CPU's vector block "
                + "(16 floats with AVX-512), and training turns to NaN.");
        if (options.ImageChannels is int channels)
            Positive(channels, nameof(options.ImageChannels));
        if (options.ImageHeight is int height)
            Positive(height, nameof(options.ImageHeight));
        if (options.ImageWidth is int width)
            Positive(width, nameof(options.ImageWidth));
        if (options.MinibatchDiscriminationKernels > 0)
            throw new ArgumentException(
                $"MinibatchDiscriminationKernels = {options.MinibatchDiscriminationKernels}: minibatch discrimination is available with the Mlp architecture only; set it to 0 for Convolutional.",
                nameof(options.MinibatchDiscriminationKernels));
        if (options.VirtualBatchNormalization)
            throw new ArgumentException(
                "VirtualBatchNormalization = true: virtual batch normalisation is available with the Mlp architecture only; set it to false for Convolutional.",
                nameof(options.VirtualBatchNormalization));
        if (options.ConditionalGenerator)
            throw new ArgumentException(
                "ConditionalGenerator = true: the class-conditional generator is available with the Mlp architecture only; set it to false for Convolutional.",
                nameof(options.ConditionalGenerator));
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
