namespace Microsoft.ML.Gan;

public sealed partial class SemiSupervisedGanTrainer
{
    /// <summary>
    /// Options of <see cref="SemiSupervisedGanTrainer"/>. The defaults are the paper's permutation-invariant MNIST
    /// setup (Salimans et al., 2016, official feature-matching code) except instance noise
    /// (<see cref="InstanceNoiseStandardDeviation"/>) and the averaging warm-up (<see cref="AveragingRate"/>).
    /// </summary>
    public sealed partial class Options
    {
        /// <summary>Label column: a key type; key 0 (missing) marks an unlabeled row. Default "Label".</summary>
        public string LabelColumnName = ColumnNames.Label;

        /// <summary>Feature column: a vector of Single of known size, e.g. pixels scaled to [0,1]. Default "Features".</summary>
        public string FeatureColumnName = ColumnNames.Features;

        /// <summary>Output column of the K class probabilities (vector of Single), and the ONNX graph's output of the same name. Default "Score".</summary>
        public string ScoreColumnName = ColumnNames.Score;

        /// <summary>
        /// Output column of the predicted label (a key with the label's key values), and the ONNX graph's output of the
        /// same name (the label value). Must differ from <see cref="ScoreColumnName"/>. Default "PredictedLabel".
        /// </summary>
        public string PredictedLabelColumnName = ColumnNames.PredictedLabel;

        /// <summary>
        /// What the trainer does with the features' scale. Default <see cref="Gan.FeatureScaling.Auto"/>: pixel data (the
        /// convolutional architecture, or at least 256 features all in [0, 1]) and binary data (only 0 and 1) are left as
        /// they are, anything else (e.g. tabular
        /// rows, raw or min-max scaled) is standardised per slot with the training rows' mean and standard deviation, and
        /// the exported model applies the same standardisation.
        /// </summary>
        public FeatureScaling FeatureScaling = FeatureScaling.Auto;

        /// <summary>Number of passes over the unlabeled rows. Default 300.</summary>
        public int MaxEpoch = 300;

        /// <summary>Rows per minibatch, used for each of the labeled, unlabeled and generated batches. Default 100.</summary>
        public int BatchSize = 100;

        /// <summary>Adam learning rate of both networks. Default 0.003.</summary>
        public double LearningRate = 0.003;

        /// <summary>
        /// Epochs at the end of training over which both learning rates decay linearly to 0: epoch e of the last N runs at
        /// LearningRate * (MaxEpoch - e + 1) / N. Default 0 (constant, as the paper's MNIST code).
        /// </summary>
        public int LearningRateDecayEpochs;

        /// <summary>Adam beta1 of both networks. Default 0.5.</summary>
        public double AdamBeta1 = 0.5;

        /// <summary>Adam beta2 of both networks. Default 0.999.</summary>
        public double AdamBeta2 = 0.999;

        /// <summary>Weight w of the unsupervised loss in the discriminator's loss L_lab + w * L_unl. Default 1.</summary>
        public double UnlabeledWeight = 1.0;

        /// <summary>
        /// Class priors from the unlabeled rows: after training, the classifier's class probabilities on the unlabeled rows
        /// give the classes' frequencies in the data by the EM procedure of Saerens et al. (2002), and each class's logit is
        /// shifted by log(estimated frequency / its share of the labeled rows). Without it the classifier takes the
        /// labeled rows' class frequencies as the data's, which they are not when a few rows are labeled per class (a
        /// class of 80% of the rows with 10 labels out of 55). Default false; <see cref="ForTabular"/> sets it.
        /// </summary>
        public bool EstimateClassPriors;

        /// <summary>Seed of weights, noise and minibatch order; null draws one from the MLContext's seed. Default null.</summary>
        public int? Seed;

        /// <summary>
        /// The networks: dense layers (<see cref="GanArchitecture.Mlp"/>, using <see cref="DiscriminatorHiddenSizes"/> and
        /// <see cref="GeneratorHiddenSizes"/>) or convolutions on images (<see cref="GanArchitecture.Convolutional"/>,
        /// using <see cref="ConvolutionalWidth"/> and the image shape; dropout instead of Gaussian noise). Default Mlp.
        /// </summary>
        public GanArchitecture Architecture = GanArchitecture.Mlp;

        /// <summary>
        /// Convolutional architecture: channels per pixel (1 grayscale, 3 colour). The features must hold the image in
        /// ExtractPixels' default channel-major (planar) order: all values of the first channel (red) row by row, then
        /// all of the second (green), then the third (blue). Default null: with all three image options null, the shape
        /// comes from the feature column's dimensions when it has three ([channels, height, width], as ExtractPixels
        /// declares them); otherwise 1.
        /// </summary>
        public int? ImageChannels;

        /// <summary>
        /// Convolutional architecture: image height in pixels, at least 9. Default null: with <see cref="ImageWidth"/>
        /// also null, the column's dimensions (see <see cref="ImageChannels"/>) or else a square image whose side is the
        /// square root of features / channels.
        /// </summary>
        public int? ImageHeight;

        /// <summary>Convolutional architecture: image width in pixels, at least 9. Default null (see <see cref="ImageHeight"/>).</summary>
        public int? ImageWidth;

        /// <summary>
        /// Convolutional architecture: the channel multiplier w. The discriminator's convolutions have w and 2w channels,
        /// the generator's maps 4w and 2w (the paper's CIFAR-10 discriminator has 96 and 192 channels: w = 96). A positive
        /// multiple of 16 (oneDNN reads uninitialised channel padding otherwise; docs/design.md). Default 16.
        /// </summary>
        public int ConvolutionalWidth = 16;

        /// <summary>Widths of the discriminator's hidden layers (Mlp architecture). Default 1000, 500, 250, 250, 250.</summary>
        public int[] DiscriminatorHiddenSizes = [1000, 500, 250, 250, 250];

        /// <summary>Widths of the generator's hidden layers (Mlp architecture). Default 500, 500.</summary>
        public int[] GeneratorHiddenSizes = [500, 500];

        /// <summary>Length of the generator's uniform noise vector z. Default 100.</summary>
        public int NoiseSize = 100;

        /// <summary>Standard deviation of the Gaussian noise on the discriminator's input (Mlp architecture). Default 0.3.</summary>
        public double InputNoiseStandardDeviation = 0.3;

        /// <summary>Standard deviation of the Gaussian noise after each hidden layer of the discriminator (Mlp architecture). Default 0.5.</summary>
        public double HiddenNoiseStandardDeviation = 0.5;

        /// <summary>Standard deviation of the normal initialisation of the weight-normalised directions v. Default 0.1.</summary>
        public double InitialWeightStandardDeviation = 0.1;

        /// <summary>Rows used by the data-dependent initialisation of the discriminator. Default 500.</summary>
        public int InitializationRows = 500;

        /// <summary>
        /// Rate of the exponential moving average of the discriminator's parameters that becomes the final model,
        /// a &lt;- a + rate * (p - a) after every step, with a warm-up: the rate at step t is max(rate, 9 / (10 + t)).
        /// 1 keeps the last parameters. Default 1e-4, the paper's.
        /// </summary>
        public double AveragingRate = 1e-4;

        /// <summary>
        /// Minibatch discrimination: the number of kernels B (the paper uses 100) whose closeness to the other rows of the
        /// batch is appended to the discriminator's last hidden layer. For scoring, rows are compared with a stored batch
        /// of BatchSize real training rows instead, so predictions do not depend on their neighbours. Default 0 (off).
        /// </summary>
        public int MinibatchDiscriminationKernels;

        /// <summary>Dimension C of each minibatch-discrimination kernel. Default 5.</summary>
        public int MinibatchDiscriminationKernelDimension = 5;

        /// <summary>
        /// Virtual batch normalisation in the generator: each sample is normalised with the statistics of a reference batch
        /// of noise, fixed at the start of training, mixed with its own (weight 1/(n+1)). Default false (batch norm).
        /// </summary>
        public bool VirtualBatchNormalization;

        /// <summary>
        /// Class-conditional generator: it receives z followed by a one-hot class vector (classes drawn uniformly), and its
        /// loss adds <see cref="ConditionalClassWeight"/> times the cross-entropy of the discriminator's K+1 classes on its
        /// samples against their class (real and of that class). The discriminator still treats every generated row as
        /// fake (the K+1-th class). Samples of one class come from
        /// <see cref="SemiSupervisedGanTransformer.GenerateForLabel{TLabel}"/>. Default false.
        /// </summary>
        public bool ConditionalGenerator;

        /// <summary>
        /// Weight of the class cross-entropy in a conditional generator's loss, added to feature matching (unitless).
        /// Default 0.1: on MNIST with 100 labels, 1 made the generator collapse to one image within 5 epochs.
        /// </summary>
        public double ConditionalClassWeight = 0.1;

        /// <summary>What the generator minimises. Default <see cref="Gan.GeneratorObjective.FeatureMatching"/>, the paper's.</summary>
        public GeneratorObjective GeneratorObjective = GeneratorObjective.FeatureMatching;

        /// <summary>
        /// One-sided label smoothing: the target of real (unlabeled) rows in the real-versus-generated loss, e.g. 0.9;
        /// generated rows keep target 0. Default 1 (off).
        /// </summary>
        public double OneSidedLabelSmoothing = 1.0;

        /// <summary>
        /// Historical averaging weight lambda: both players' losses get lambda * ||theta - mean of past theta||^2.
        /// Default 0 (off).
        /// </summary>
        public double HistoricalAveragingWeight;

        /// <summary>
        /// Weight of CT-GAN's consistency term (Wei et al., 2018) in the discriminator's loss: the unlabeled rows pass through
        /// the discriminator a second time with independent noise (dropout in the convolutional architecture), and the
        /// squared difference of the two passes' K+1 class probabilities is added. CT-GAN uses 0.1. It costs one more
        /// forward and backward pass of a batch per step. Default 0 (off).
        /// </summary>
        public double ConsistencyWeight;

        /// <summary>Discriminator updates per generator update. Default 1.</summary>
        public int DiscriminatorSteps = 1;

        /// <summary>
        /// Instance noise: standard deviation of Gaussian noise added to every row the discriminator sees in its update,
        /// decaying linearly to 0 over <see cref="InstanceNoiseDecayEpochs"/>. It keeps the discriminator from
        /// overpowering the generator in the early epochs. Default 0.2; 0 is the paper's setup.
        /// </summary>
        public double InstanceNoiseStandardDeviation = 0.2;

        /// <summary>Epochs over which the instance noise decays to 0 (it is 0 from epoch N + 1 on). Default 20.</summary>
        public int InstanceNoiseDecayEpochs = 20;

        /// <summary>
        /// Collapse guard: watches the discriminator's unsupervised loss and the generator's loss, averaged over windows of
        /// <see cref="CollapseGuardWindowSteps"/> steps, against their running averages (the baseline). When the
        /// discriminator wins outright (its loss falls below <see cref="CollapseDiscriminatorLossRatio"/> times its
        /// baseline while the generator's rises above <see cref="CollapseGeneratorLossRatio"/> times its baseline), it
        /// restores both networks, their optimisers' moments and the parameter average from the last snapshot that was
        /// followed by healthy windows (snapshots are kept in memory every four windows), and adds instance noise of
        /// <see cref="CollapseRescueInstanceNoise"/> that decays to 0 over <see cref="CollapseRescueSteps"/> steps (twice as
        /// long after each further recovery). Only training signals are used, no validation data. Each recovery is logged
        /// and counted in <see cref="GanTrainingProgress.CollapseRecoveries"/>. Default true.
        /// </summary>
        public bool CollapseGuard = true;

        /// <summary>Collapse guard: the fraction of its baseline below which the discriminator's unsupervised loss counts as winning. Default 0.2.</summary>
        public double CollapseDiscriminatorLossRatio = 0.2;

        /// <summary>Collapse guard: the multiple of its baseline above which the generator's loss counts as losing. Default 5.</summary>
        public double CollapseGeneratorLossRatio = 5;

        /// <summary>Collapse guard: discriminator steps per window of averaged losses. Default 50.</summary>
        public int CollapseGuardWindowSteps = 50;

        /// <summary>
        /// Collapse guard: discriminator steps at the start of training (counted over the whole run) during which the
        /// baseline forms and nothing is detected; the first epochs' large swings are normal. Default 1200 (two MNIST epochs).
        /// </summary>
        public int CollapseGuardWarmupSteps = 1200;

        /// <summary>Collapse guard: standard deviation of the instance noise added after a recovery (the scheduled noise when larger). Default 0.2.</summary>
        public double CollapseRescueInstanceNoise = 0.2;

        /// <summary>Collapse guard: discriminator steps over which the rescue noise decays linearly to 0; doubles with each further recovery. Default 6000 (ten MNIST epochs).</summary>
        public int CollapseRescueSteps = 6000;

        /// <summary>
        /// Experience replay: rows of earlier generated samples kept in a ring buffer; each discriminator step replaces
        /// <see cref="ExperienceReplayFraction"/> of its generated batch with rows drawn from it. Default 0 (off).
        /// </summary>
        public int ExperienceReplaySize;

        /// <summary>Fraction of each generated batch drawn from the replay buffer, in [0, 1]. Default 0.5.</summary>
        public double ExperienceReplayFraction = 0.5;

        /// <summary>
        /// Ensemble: trains this many discriminator/generator pairs with seeds Seed, Seed + 1, ... and the fitted model
        /// averages their class probabilities (still one transformer, one model.zip); the generator is the first one's.
        /// Checkpoints of member i go to CheckpointDirectory/member-i. Default 1.
        /// </summary>
        public int EnsembleSize = 1;

        /// <summary>Intra-op threads of libtorch; null or 0 uses all cores. Default null.</summary>
        public int? NumberOfThreads;

        /// <summary>Torch device: "cpu", "cuda" or "cuda:N"; null picks CUDA when available, else the CPU. Default null.</summary>
        public string? Device;

        /// <summary>
        /// Stop when the validation error has not improved for this many epochs, and keep the averaged weights of the
        /// epoch with the lowest validation error. Needs validation data (<c>Fit(train, validation)</c>). Default null (off).
        /// </summary>
        public int? EarlyStoppingPatience;

        /// <summary>
        /// When set, the unlabeled rows are not held in memory: each epoch streams them from the data view's cursor
        /// through a shuffle buffer of this many rows (two buffers: discriminator and feature matching), and only the
        /// labeled rows are kept. Memory then stays flat as the data grows; the order is shuffled only within the
        /// buffer, so keep it large (e.g. 10,000 rows or more) and the data not sorted by class. Default null (all rows in memory).
        /// </summary>
        public int? StreamingShuffleBufferSize;

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
        /// the same options and data. Default null (start afresh).
        /// </summary>
        public string? ResumeFromCheckpoint;

        /// <summary>
        /// Generator samples to include in every epoch's progress report (<see cref="GanTrainingProgress.Samples"/>), drawn
        /// from the same noise each epoch so that their change shows training; the noise has its own random generator, so
        /// training is unchanged. Default 0 (none).
        /// </summary>
        public int ProgressSampleCount;

        /// <summary>Receives a report after every epoch, in addition to the MLContext log. Default null.</summary>
        public IProgress<GanTrainingProgress>? Progress;

        /// <summary>
        /// Stops training when canceled: Fit checks it before every step and then throws
        /// <see cref="OperationCanceledException"/>, having disposed its tensors, networks and optimisers; with
        /// <see cref="CheckpointDirectory"/> set, the last checkpoint stays and <see cref="ResumeFromCheckpoint"/> continues
        /// from it. This is the public way to stop a Fit: ML.NET 5's MLContext.CancelExecution, which AutoML calls to end a
        /// trial and which Fit also obeys, is internal to ML.NET. Default <see cref="CancellationToken.None"/>.
        /// </summary>
        public CancellationToken CancellationToken;

        /// <summary>These options for ensemble member <paramref name="member"/>: its own checkpoint subdirectory.</summary>
        internal Options ForEnsembleMember(int member)
        {
            if (EnsembleSize == 1)
                return this;
            var copy = (Options)MemberwiseClone();
            copy.CheckpointDirectory = CheckpointDirectory is null ? null : Path.Combine(CheckpointDirectory, $"member-{member}");
            copy.ResumeFromCheckpoint = ResumeFromCheckpoint is null ? null : Path.Combine(ResumeFromCheckpoint, $"member-{member}");
            return copy;
        }
    }
}
