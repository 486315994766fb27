using System.Diagnostics;
using Microsoft.ML.Gan.Data;
using Microsoft.ML.Gan.Networks;
using Microsoft.ML.Gan.Runtime;
using Microsoft.ML.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// The training procedure of the paper's semi-supervised GAN (Salimans et al., 2016): for each epoch, for each step,
/// update the discriminator on a labeled, an unlabeled and a generated batch and update its parameter average; every
/// DiscriminatorSteps steps, update the generator by feature matching against a second, independently shuffled
/// unlabeled batch, on the generated batch of the discriminator step before it (SharedGeneratedBatch) or a new one.
/// After each epoch: average the losses, report, keep the best epoch, checkpoint.
/// </summary>
internal sealed class GanTrainingLoop : IDisposable
{
    /// <summary>
    /// Discriminator steps per move of the parameter average (<see cref="ExponentialMovingAverage.StepsPerMove"/>), which
    /// also moves at the end of every epoch: its reads and writes of the average were about 0.3 ms of a 14 ms step
    /// (docs/performance.md), and with AveragingRate's 1e-4 an average spans some 10,000 steps.
    /// </summary>
    private const int AveragingStepsPerMove = 8;

    private readonly SemiSupervisedGanTrainer.Options _options;
    private readonly IChannel _channel;
    private readonly TrainingLog _log;
    private readonly RandomGenerator _random;
    private readonly GaussianNoiseSource _noise;
    private readonly int _seed;
    private readonly FeatureStandardization? _standardization;
    private readonly PhaseClock _clock = new();
    private readonly int _ensembleMember;

    /// <summary>
    /// Seeds the run and builds its networks (<see cref="GanNetworks"/>); <paramref name="image"/> is the image shape of
    /// the convolutional architecture, null for the MLP; <paramref name="standardization"/>: the rows are standardised
    /// features, so the MLP generator's output is linear and progress samples are mapped back to the features' units;
    /// <paramref name="ensembleMember"/>: which of <c>EnsembleSize</c> members this run trains, from 0, for its reports.
    /// </summary>
    public GanTrainingLoop(SemiSupervisedGanTrainer.Options options, long featureCount, int classCount, ImageShape? image, int seed, IChannel log,
        FeatureStandardization? standardization = null, int ensembleMember = 0)
    {
        _options = options;
        _channel = log;
        _log = new TrainingLog(log);
        _random = new RandomGenerator((ulong)seed);
        _noise = new GaussianNoiseSource(seed);
        _seed = seed;
        _standardization = standardization;
        _ensembleMember = ensembleMember;
        Networks = new GanNetworks(options, featureCount, classCount, image, standardization is not null, _random, _noise);
    }

    /// <summary>The discriminator, its average and the generator.</summary>
    public GanNetworks Networks { get; }

    /// <summary>The random generator of weights, noise and minibatch order; its state is part of a checkpoint.</summary>
    public RandomGenerator Random => _random;

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
        Networks.To(device);
        using var features = data.Features.to(device);
        using var labeled = new LabeledRows(features, data, _random);
        using var unlabeled = streamUnlabeled?.Invoke(device) ?? new InMemoryUnlabeledRows(features, _random);
        using var featureMatching = streamUnlabeled?.Invoke(device) ?? new InMemoryUnlabeledRows(features, _random);
        if (_options.ResumeFromCheckpoint is null)
            DataDependentInitialization.Run(Networks, features, streamUnlabeled is null ? null : unlabeled, _options.InitializationRows, _random);
        var average = new ExponentialMovingAverage(Networks.Discriminator, Networks.AveragedDiscriminator, _options.AveragingRate, AveragingStepsPerMove);
        using var discriminatorStep = new DiscriminatorStep(_options, Networks.Discriminator, Networks.Generator, device, _random, _noise, _clock, data.LabeledPerClass, average);
        using var generatorStep = new GeneratorStep(_options, Networks.Discriminator, Networks.Generator, _random, _clock);
        using var best = new BestEpoch(Networks.AveragedDiscriminator);
        using var guard = _options.CollapseGuard
            ? new CollapseGuard(_options, [.. Networks.State, .. discriminatorStep.Optimizer.Moments, .. generatorStep.Optimizer.Moments], _channel, Networks.ForgetUpdatedRows)
            : null;
        var state = new TrainingState(CheckpointArchitecture.Describe(_options, Networks, data), Networks.Precision, _random, _noise,
            Networks.Discriminator, Networks.AveragedDiscriminator, Networks.Generator, discriminatorStep.Optimizer, generatorStep.Optimizer,
            average, best, discriminatorStep.History, generatorStep.History, discriminatorStep.Replay, guard);
        int completed = Resume(state);
        using var samples = new ProgressSamples(Networks.Generator, _options.ProgressSampleCount, _seed, device, _standardization);

        int batch = _options.BatchSize;
        int steps = (int)(data.RowCount / batch);
        bool sharedGeneratedBatch = _options.SharedGeneratedBatch ?? Networks.Precision == MatrixMultiplyPrecision.BFloat16;
        var threads = _options.NumberOfThreads is null && device.type == DeviceType.CPU ? FreeCoreThreads.Start(_channel) : null;
        var total = Stopwatch.StartNew();
        for (int epoch = completed + 1; epoch <= _options.MaxEpoch; epoch++)
        {
            var epochClock = Stopwatch.StartNew();
            Networks.Discriminator.train();
            Networks.Generator.train();
            unlabeled.BeginEpoch();
            featureMatching.BeginEpoch();
            labeled.BeginEpoch((long)steps * batch);
            double discriminatorLoss = 0, generatorLoss = 0, correct = 0;
            int generatorSteps = 0;
            discriminatorStep.Optimizer.LearningRate = LearningRateSchedule.At(_options.LearningRate, _options.LearningRateDecayEpochs, _options.MaxEpoch, epoch);
            generatorStep.Optimizer.LearningRate = LearningRateSchedule.At(_options.GeneratorLearningRate, _options.LearningRateDecayEpochs, _options.MaxEpoch, epoch);
            double instanceNoise = InstanceNoise.StandardDeviation(_options.InstanceNoiseStandardDeviation, _options.InstanceNoiseDecayEpochs, epoch);
            _clock.Restart();
            for (int step = 0; step < steps; step++)
            {
                checkCanceled();
                threads?.Step(epoch);
                using var scope = NewDisposeScope();
                var (labeledRows, classes) = labeled.Next(batch);
                var unlabeledRows = unlabeled.Next(batch);
                _clock.Lap(GanTrainingPhase.Data);

                double stepNoise = guard?.BeginStep(epoch, instanceNoise) ?? instanceNoise;
                bool generatorStepFollows = (step + 1) % _options.DiscriminatorSteps == 0;
                GeneratedBatch? generated = null;
                if (generatorStepFollows && sharedGeneratedBatch)
                {
                    generated = generatorStep.Generate(device);
                    _clock.Lap(GanTrainingPhase.GeneratedBatch);
                }
                var discriminator = discriminatorStep.Run(labeledRows, classes, unlabeledRows, stepNoise, generated?.Rows);
                guard?.ObserveDiscriminator(discriminator.UnsupervisedLoss);
                discriminatorLoss += discriminator.Loss;
                correct += discriminator.Correct;
                if (!generatorStepFollows)
                    continue;

                var realRows = featureMatching.Next(batch);
                _clock.Lap(GanTrainingPhase.Data);
                double generator = generatorStep.Run(realRows, generated);
                guard?.ObserveGenerator(generator);
                generatorLoss += generator;
                generatorSteps++;
            }
            average.MovePending();
            double? validationError = validate?.Invoke(Networks.AveragedDiscriminator);
            int epochsLeft = _options.MaxEpoch - epoch + (_options.EnsembleSize - 1 - _ensembleMember) * _options.MaxEpoch;
            var progress = new GanTrainingProgress
            {
                Epoch = epoch,
                MaxEpoch = _options.MaxEpoch,
                EnsembleMember = _ensembleMember + 1,
                EnsembleSize = _options.EnsembleSize,
                StepsPerEpoch = steps,
                DiscriminatorLoss = discriminatorLoss / steps,
                GeneratorLoss = generatorLoss / Math.Max(1, generatorSteps),
                LabeledAccuracy = correct / ((double)steps * batch),
                ValidationError = validationError,
                EpochSeconds = epochClock.Elapsed.TotalSeconds,
                PhaseSeconds = _clock.TakeEpoch(),
                EstimatedTimeLeft = TimeSpan.FromSeconds(total.Elapsed.TotalSeconds / (epoch - completed) * epochsLeft),
                Samples = samples.Draw(),
                CollapseRecoveries = guard?.TakeEpochRecoveries() ?? 0,
            };
            _log.EpochCompleted(progress);
            _options.Progress?.Report(progress);
            if (_options.EarlyStoppingPatience is not null && validationError is double observed)
                best.Observe(epoch, observed);
            if (_options.CheckpointDirectory is string directory && (epoch % _options.CheckpointInterval == 0 || epoch == _options.MaxEpoch))
                state.Save(directory, epoch);
            if (_options.EarlyStoppingPatience is int patience && validationError is not null && epoch - best.Epoch >= patience)
            {
                _log.StoppedEarly(epoch, best, patience);
                break;
            }
        }
        if (_options.EarlyStoppingPatience is not null && best.Epoch > 0)
        {
            best.Restore();
            _log.KeptBestEpoch(best);
        }
        if (_options.EstimateClassPriors)
            _log.ClassPriorsEstimated(ClassPriorEstimation.Adjust(Networks.AveragedDiscriminator, unlabeled, data.RowCount, data.LabeledPerClass));
        Networks.AveragedDiscriminator.eval();
    }

    /// <summary>Restores <paramref name="state"/> from ResumeFromCheckpoint when it is set; returns the epochs already completed.</summary>
    private int Resume(TrainingState state)
    {
        if (_options.ResumeFromCheckpoint is not string path)
            return 0;
        int completed = state.Load(path);
        _log.Resumed(path, completed);
        if (state.LoadedPrecision is MatrixMultiplyPrecision before && before != Networks.Precision)
            _log.PrecisionChanged(before, Networks.Precision, _options.MatrixMultiplyPrecision);
        return completed;
    }

    public void Dispose()
    {
        Networks.Dispose();
        _random.Dispose();
    }
}
