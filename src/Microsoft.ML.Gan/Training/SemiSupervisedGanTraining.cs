using System.Diagnostics;
using Microsoft.ML.Gan.Data;
using Microsoft.ML.Gan.Networks;
using Microsoft.ML.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// The training procedure of the paper's semi-supervised feature-matching GAN. Each epoch has rows / batch steps;
/// each step updates the discriminator on a labeled batch (the labeled rows tiled in independently shuffled
/// copies), an unlabeled batch and a generated batch, updates the parameter average, and then updates the
/// generator by feature matching against a second, independently shuffled unlabeled batch.
/// </summary>
internal sealed class SemiSupervisedGanTraining : IDisposable
{
    private readonly SemiSupervisedGanTrainer.Options _options;
    private readonly IChannel _log;
    private readonly Generator _random;
    private readonly GaussianNoiseSource _noise;
    private readonly int _seed;
    private readonly PhaseClock _clock = new();
    private readonly ImageShape? _image;
    private readonly FeatureStandardization? _standardization;
    private bool _averagedReleased;
    private bool _generatorReleased;

    /// <summary>
    /// Sets up the networks; <paramref name="image"/> is the image shape of the convolutional architecture, null for the
    /// MLP; <paramref name="standardization"/>: the rows are standardised features, so the MLP generator's output is linear
    /// and progress samples are mapped back to the features' units.
    /// </summary>
    public SemiSupervisedGanTraining(SemiSupervisedGanTrainer.Options options, long featureCount, int classCount, ImageShape? image, int seed, IChannel log,
        FeatureStandardization? standardization = null)
    {
        _standardization = standardization;
        _options = options;
        _log = log;
        _random = new Generator((ulong)seed);
        _noise = new GaussianNoiseSource(seed);
        _seed = seed;
        _image = image;
        Discriminator = NewDiscriminator(featureCount, classCount);
        AveragedDiscriminator = NewDiscriminator(featureCount, classCount);
        Generator = image is ImageShape shape
            ? new ConvGenerator(options.NoiseSize, shape, options.ConvolutionalWidth, _random)
            : new MlpGenerator(options.NoiseSize, options.GeneratorHiddenSizes, featureCount, _random,
                options.VirtualBatchNormalization ? options.BatchSize : 0, options.ConditionalGenerator ? classCount : 0, linearOutput: standardization is not null);
    }

    /// <summary>The discriminator being trained.</summary>
    public DiscriminatorNetwork Discriminator { get; }

    /// <summary>The exponential moving average of the discriminator: the final classifier.</summary>
    public DiscriminatorNetwork AveragedDiscriminator { get; }

    public GeneratorNetwork Generator { get; }

    /// <summary>The random generator of weights, noise and minibatch order; its state is part of a checkpoint.</summary>
    public Generator Random => _random;

    /// <summary>
    /// Trains for the configured epochs. The unlabeled rows come from <paramref name="data"/>'s features, or from
    /// <paramref name="streamUnlabeled"/> (called twice, for two independent streams) when it is given;
    /// <paramref name="validate"/> gives the averaged model's error after each epoch. <paramref name="checkCanceled"/>
    /// runs before every step and throws <see cref="OperationCanceledException"/> to stop; the tensors, modules and
    /// optimisers of the run are then disposed, and the checkpoint of the last completed epoch is left as it was.
    /// </summary>
    public void Run(SemiSupervisedData data, Func<Device, UnlabeledRows>? streamUnlabeled, Func<DiscriminatorNetwork, double>? validate, Action checkCanceled)
    {
        var device = TorchBackend.ResolveDevice(_options.Device);
        Discriminator.to(device);
        AveragedDiscriminator.to(device);
        Generator.to(device);
        using var features = data.Features.to(device);
        using var labeledIndices = data.LabeledIndices.to(device);
        using var labeledClasses = data.LabeledClasses.to(device);

        using var unlabeled = streamUnlabeled?.Invoke(device) ?? new InMemoryUnlabeledRows(features, _random);
        using var featureMatching = streamUnlabeled?.Invoke(device) ?? new InMemoryUnlabeledRows(features, _random);
        if (_options.ResumeFromCheckpoint is null)
            InitializeDiscriminator(features, streamUnlabeled is null ? null : unlabeled);
        var average = new ExponentialMovingAverage(Discriminator, AveragedDiscriminator, _options.AveragingRate);
        using var discriminatorStep = new DiscriminatorStep(_options, Discriminator, Generator, device, _random, _noise, _clock);
        using var generatorStep = new GeneratorStep(_options, Discriminator, Generator, _random, _clock);
        using var best = new BestEpoch(AveragedDiscriminator);
        using var guard = _options.CollapseGuard ? new CollapseGuard(_options, RollbackState(discriminatorStep.Optimizer, generatorStep.Optimizer), _log) : null;
        var state = new TrainingState(Architecture(data), _random, _noise, Discriminator, AveragedDiscriminator, Generator,
            discriminatorStep.Optimizer, generatorStep.Optimizer, average, best, discriminatorStep.History, generatorStep.History, discriminatorStep.Replay, guard);
        int completed = 0;
        if (_options.ResumeFromCheckpoint is string resume)
        {
            completed = state.Load(resume);
            _log.Info(MessageSensitivity.None, $"Resumed from '{resume}' after epoch {completed}.");
        }

        using var sampleNoise = SampleNoise(device);
        int batch = _options.BatchSize;
        int steps = (int)(data.RowCount / batch);
        var total = Stopwatch.StartNew();
        for (int epoch = completed + 1; epoch <= _options.MaxEpoch; epoch++)
        {
            var clock = Stopwatch.StartNew();
            Discriminator.train();
            Generator.train();
            unlabeled.BeginEpoch();
            featureMatching.BeginEpoch();
            using var labeledOrder = TileLabeled(labeledIndices.shape[0], (long)steps * batch, device);
            double discriminatorLoss = 0, generatorLoss = 0, correct = 0;
            int generatorSteps = 0;
            discriminatorStep.Optimizer.LearningRate = generatorStep.Optimizer.LearningRate = LearningRateSchedule.At(_options.LearningRate, _options.LearningRateDecayEpochs, _options.MaxEpoch, epoch);
            double instanceNoise = InstanceNoise.StandardDeviation(_options.InstanceNoiseStandardDeviation, _options.InstanceNoiseDecayEpochs, epoch);
            _clock.Restart();
            for (int step = 0; step < steps; step++)
            {
                checkCanceled();
                using var scope = NewDisposeScope();
                var labeledSlice = labeledOrder.narrow(0, (long)step * batch, batch);
                var labeledRows = features.index_select(0, labeledIndices.index_select(0, labeledSlice));
                var classes = labeledClasses.index_select(0, labeledSlice);
                var unlabeledRows = unlabeled.Next(batch);
                _clock.Lap(GanTrainingPhase.Data);

                double stepNoise = guard?.BeginStep(epoch, instanceNoise) ?? instanceNoise;
                var (dLoss, unsupervisedLoss, stepCorrect) = discriminatorStep.Run(labeledRows, classes, unlabeledRows, stepNoise);
                guard?.ObserveDiscriminator(unsupervisedLoss);
                average.Update();
                _clock.Lap(GanTrainingPhase.Averaging);
                discriminatorLoss += dLoss;
                correct += stepCorrect;
                if ((step + 1) % _options.DiscriminatorSteps != 0)
                    continue;
                var realRows = featureMatching.Next(batch);
                _clock.Lap(GanTrainingPhase.Data);
                double gLoss = generatorStep.Run(realRows);
                guard?.ObserveGenerator(gLoss);
                generatorLoss += gLoss;
                generatorSteps++;
            }
            double seconds = clock.Elapsed.TotalSeconds;
            double? validationError = validate?.Invoke(AveragedDiscriminator);
            var progress = new GanTrainingProgress
            {
                Epoch = epoch,
                MaxEpoch = _options.MaxEpoch,
                StepsPerEpoch = steps,
                DiscriminatorLoss = discriminatorLoss / steps,
                GeneratorLoss = generatorLoss / Math.Max(1, generatorSteps),
                LabeledAccuracy = correct / ((double)steps * batch),
                ValidationError = validationError,
                EpochSeconds = seconds,
                PhaseSeconds = _clock.TakeEpoch(),
                EstimatedTimeLeft = TimeSpan.FromSeconds(total.Elapsed.TotalSeconds / (epoch - completed) * (_options.MaxEpoch - epoch)),
                Samples = sampleNoise is null ? [] : Samples(sampleNoise),
                CollapseRecoveries = guard?.TakeEpochRecoveries() ?? 0,
            };
            _log.Info(MessageSensitivity.None, Describe(progress));
            _options.Progress?.Report(progress);
            if (_options.EarlyStoppingPatience is not null && validationError is double observed)
                best.Observe(epoch, observed);
            if (_options.CheckpointDirectory is string directory && (epoch % _options.CheckpointInterval == 0 || epoch == _options.MaxEpoch))
                state.Save(directory, epoch);
            if (_options.EarlyStoppingPatience is not int patience || validationError is null)
                continue;
            if (epoch - best.Epoch >= patience)
            {
                _log.Info(MessageSensitivity.None, $"Early stopping after epoch {epoch}: no better validation error than {best.Error:P2} (epoch {best.Epoch}) for {patience} epochs.");
                break;
            }
        }
        if (_options.EarlyStoppingPatience is not null && best.Epoch > 0)
        {
            best.Restore();
            _log.Info(MessageSensitivity.None, $"Keeping the averaged weights of epoch {best.Epoch}, validation error {best.Error:P2}.");
        }
        if (_options.EstimateClassPriors)
        {
            var prior = ClassPriorEstimation.Adjust(AveragedDiscriminator, unlabeled, data.RowCount, data.LabeledPerClass);
            _log.Info(MessageSensitivity.None, $"Class priors estimated on the unlabeled rows: {string.Join(", ", prior.Select(p => p.ToString("P1")))}; logits shifted by log(prior / labeled share).");
        }
        AveragedDiscriminator.eval();
    }

    /// <summary>The fixed noise of the progress samples (classes 0, 1, ..., K-1, 0, ... when conditional), from a generator of its own so that training draws are unchanged.</summary>
    private Tensor? SampleNoise(Device device)
    {
        if (_options.ProgressSampleCount == 0)
            return null;
        using var random = new Generator((ulong)_seed + 1);
        using var z = rand([_options.ProgressSampleCount, Generator.NoiseSize], generator: random);
        if (Generator.ClassCount == 0)
            return z.to(device);
        using var classCount = Generator.ClassCount.ToScalar();
        using var sequence = HeldScalars.Arange(_options.ProgressSampleCount);
        using var classes = sequence.remainder(classCount);
        using var input = Generator.Condition(z, classes);
        return input.to(device);
    }

    /// <summary>The generator's samples of <paramref name="noise"/> (batch statistics of that noise, no gradients).</summary>
    private float[][] Samples(Tensor noise)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var samples = Generator.forward(noise).cpu();
        if (_standardization is not null)
            samples = _standardization.Invert(samples);
        var flat = samples.contiguous().data<float>().ToArray();
        int width = (int)(flat.Length / noise.shape[0]);
        return Enumerable.Range(0, (int)noise.shape[0]).Select(i => flat.AsSpan(i * width, width).ToArray()).ToArray();
    }

    /// <summary>What a collapse-guard recovery restores: both networks' parameters and buffers, the parameter average and both optimisers' moments.</summary>
    private Tensor[] RollbackState(Adam discriminatorOptimizer, Adam generatorOptimizer) =>
        Discriminator.state_dict().Values
            .Concat(AveragedDiscriminator.state_dict().Values)
            .Concat(Generator.state_dict().Values)
            .Concat(discriminatorOptimizer.Moments)
            .Concat(generatorOptimizer.Moments)
            .ToArray();

    /// <summary>Data-dependent initialisation on a random sample of the rows in memory, or the first draws of a stream.</summary>
    private void InitializeDiscriminator(Tensor features, UnlabeledRows? stream)
    {
        using var batch = stream is null ? SampleRows(features) : FirstDraws(stream);
        Discriminator.SetReference(batch);
        AveragedDiscriminator.SetReference(batch);
        Discriminator.train();
        Discriminator.InitializeFrom(batch);
    }

    private Tensor SampleRows(Tensor features)
    {
        long rows = Math.Min(_options.InitializationRows, features.shape[0]);
        using var order = randperm(features.shape[0], generator: _random, device: features.device);
        using var first = order.narrow(0, 0, rows);
        return features.index_select(0, first);
    }

    private Tensor FirstDraws(UnlabeledRows stream)
    {
        stream.BeginEpoch();
        return stream.Next(_options.InitializationRows);
    }

    /// <summary>Independently shuffled copies of the labeled rows, concatenated to <paramref name="length"/> positions.</summary>
    private Tensor TileLabeled(long labeled, long length, Device device)
    {
        using var scope = NewDisposeScope();
        long copies = (length + labeled - 1) / labeled;
        var tiles = new Tensor[copies];
        for (long i = 0; i < copies; i++)
            tiles[i] = randperm(labeled, generator: _random, device: device);
        return cat(tiles, 0).narrow(0, 0, length).contiguous().MoveToOuterDisposeScope();
    }

    private DiscriminatorNetwork NewDiscriminator(long featureCount, int classCount) => _image is ImageShape image
        ? new ConvDiscriminator(image, _options.ConvolutionalWidth, classCount, _options.InitialWeightStandardDeviation, _random)
        : new MlpDiscriminator(featureCount, _options.DiscriminatorHiddenSizes, classCount, _options.InputNoiseStandardDeviation,
            _options.HiddenNoiseStandardDeviation, _options.InitialWeightStandardDeviation, _random, _noise,
            _options.MinibatchDiscriminationKernels, _options.MinibatchDiscriminationKernelDimension, _options.BatchSize);

    /// <summary>What a checkpoint must match to be resumed here: network shapes and the data's size.</summary>
    private string Architecture(SemiSupervisedData data) => _image is ImageShape image
        ? $"conv image={image} width={_options.ConvolutionalWidth} classes={Discriminator.ClassCount} noise={_options.NoiseSize} rows={data.RowCount} labeled={data.LabeledCount}"
        : $"mlp features={Discriminator.InputSize} classes={Discriminator.ClassCount} minibatch={_options.MinibatchDiscriminationKernels}x{_options.MinibatchDiscriminationKernelDimension} "
        + $"discriminator=[{string.Join(",", _options.DiscriminatorHiddenSizes)}] generator=[{string.Join(",", _options.GeneratorHiddenSizes)}]{(_options.VirtualBatchNormalization ? " vbn" : "")}{(_options.ConditionalGenerator ? " conditional" : "")}{(Generator is MlpGenerator { LinearOutput: true } ? " standardized" : "")} "
        + $"noise={_options.NoiseSize} rows={data.RowCount} labeled={data.LabeledCount}";

    private static string Describe(GanTrainingProgress p) =>
        $"Epoch {p.Epoch}/{p.MaxEpoch}: D loss {p.DiscriminatorLoss:F4}, G loss {p.GeneratorLoss:F4}, labeled accuracy {p.LabeledAccuracy:P1}"
        + (p.ValidationError is double e ? $", validation error {e:P2}" : "")
        + (p.CollapseRecoveries > 0 ? $", collapse recoveries {p.CollapseRecoveries}" : "")
        + $", {p.EpochSeconds:F1} s, ETA {p.EstimatedTimeLeft:hh\\:mm\\:ss}";

    /// <summary>Hands the averaged discriminator to the caller, who then owns it; Dispose leaves it alone.</summary>
    public DiscriminatorNetwork ReleaseAveragedDiscriminator()
    {
        _averagedReleased = true;
        return AveragedDiscriminator;
    }

    /// <summary>Hands the generator to the caller, who then owns it; Dispose leaves it alone.</summary>
    public GeneratorNetwork ReleaseGenerator()
    {
        _generatorReleased = true;
        return Generator;
    }

    public void Dispose()
    {
        Discriminator.Dispose();
        if (!_averagedReleased)
            AveragedDiscriminator.Dispose();
        if (!_generatorReleased)
            Generator.Dispose();
        _random.Dispose();
    }
}
