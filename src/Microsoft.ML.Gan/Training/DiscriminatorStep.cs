using Microsoft.ML.Gan.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// The discriminator's training step (Salimans et al., 2016, section 5): one forward pass over a labeled, an unlabeled
/// and a generated batch, the supervised loss on the labeled rows plus UnlabeledWeight times the unsupervised loss
/// (unlabeled rows real, generated rows fake), then one Adam update. Instance noise, experience replay, the consistency
/// term, the mutual information term, virtual adversarial training and historical averaging join when the options turn them on.
/// </summary>
internal sealed class DiscriminatorStep : IDisposable
{
    private readonly SemiSupervisedGanTrainer.Options _options;
    private readonly DiscriminatorNetwork _discriminator;
    private readonly GeneratorNetwork _generator;
    private readonly RandomGenerator _random;
    private readonly GaussianNoiseSource _noise;
    private readonly PhaseClock _clock;
    /// <summary>UnlabeledWeight, ConsistencyWeight, MutualInformationWeight and VirtualAdversarialWeight held for every step's native adds (<see cref="HeldScalars"/>: a temporary could be finalized during the native call).</summary>
    private readonly Scalar _unlabeledWeight;
    private readonly Scalar _consistencyWeight;
    private readonly Scalar _mutualInformationWeight;
    private readonly MutualInformationLoss? _mutualInformation;
    private readonly Scalar _virtualAdversarialWeight;
    private readonly ExponentialMovingAverage? _average;
    /// <summary>The weight-normalised dense layers whose direction gradients come in one pass, for Adam.</summary>
    private readonly DirectionGradients _directionGradients;
    /// <summary>
    /// Whether the loss is the semi-supervised loss alone, whose gradient the step computes itself where the network allows;
    /// with bfloat16 products only, the precision in which the seed protocol has judged it (float32 rounds differently too).
    /// </summary>
    private readonly bool _closedFormLoss;

    /// <summary>
    /// Sets up the step's optimiser, historical average and replay buffer (on <paramref name="device"/>) for the
    /// discriminator's trainable parameters; <paramref name="clock"/> is charged the step's phases;
    /// <paramref name="labeledPerClass"/> gives the mutual information term its class shares; <paramref name="average"/>,
    /// when given, moves with the update (<see cref="Adam.Step"/>) at the steps it is due (<see cref="ExponentialMovingAverage.CountStep"/>).
    /// </summary>
    public DiscriminatorStep(SemiSupervisedGanTrainer.Options options, DiscriminatorNetwork discriminator, GeneratorNetwork generator, Device device,
        RandomGenerator random, GaussianNoiseSource noise, PhaseClock clock, IReadOnlyList<int> labeledPerClass, ExponentialMovingAverage? average = null)
    {
        _average = average;
        _options = options;
        _discriminator = discriminator;
        _generator = generator;
        _random = random;
        _noise = noise;
        _clock = clock;
        _unlabeledWeight = options.UnlabeledWeight.ToScalar();
        _consistencyWeight = options.ConsistencyWeight.ToScalar();
        _mutualInformationWeight = options.MutualInformationWeight.ToScalar();
        _mutualInformation = options.MutualInformationWeight > 0 ? new MutualInformationLoss(labeledPerClass, device) : null;
        _virtualAdversarialWeight = options.VirtualAdversarialWeight.ToScalar();
        var parameters = discriminator.parameters().Where(p => p.requires_grad).ToArray();
        Optimizer = new Adam(parameters, options.LearningRate, options.AdamBeta1, options.AdamBeta2);
        History = options.HistoricalAveragingWeight > 0 ? new HistoricalAveraging(parameters, options.HistoricalAveragingWeight) : null;
        Replay = options.ExperienceReplaySize > 0 ? new ExperienceReplay(options.ExperienceReplaySize, discriminator.InputSize, device) : null;
        // The one-pass direction gradient needs each layer to run once per backward pass and v to have no other use in the loss.
        bool oncePerStep = options.ConsistencyWeight == 0 && options.VirtualAdversarialWeight == 0 && History is null;
        _closedFormLoss = oncePerStep && _mutualInformation is null
            && discriminator.modules().OfType<WeightNormDense>().All(l => l.ProductType == ScalarType.BFloat16);
        _directionGradients = new DirectionGradients(oncePerStep ? discriminator.modules().OfType<WeightNormDense>() : []);
    }

    /// <summary>The discriminator's Adam optimiser.</summary>
    public Adam Optimizer { get; }

    /// <summary>The historical average of the discriminator's parameters; null when HistoricalAveragingWeight is 0.</summary>
    public HistoricalAveraging? History { get; }

    /// <summary>The buffer of earlier generated rows; null when ExperienceReplaySize is 0.</summary>
    public ExperienceReplay? Replay { get; }

    /// <summary>
    /// Updates the discriminator once on BatchSize <paramref name="labeledRows"/> of <paramref name="classes"/>, BatchSize
    /// <paramref name="unlabeledRows"/> and BatchSize generated rows, <paramref name="generatedRows"/> (taken detached)
    /// or, when null, new ones, all with Gaussian noise of standard deviation <paramref name="instanceNoise"/> added;
    /// returns the total loss, the unsupervised loss and how many labeled rows were classified correctly.
    /// </summary>
    public (double Loss, double UnsupervisedLoss, double Correct) Run(Tensor labeledRows, Tensor classes, Tensor unlabeledRows, double instanceNoise,
        Tensor? generatedRows = null)
    {
        int batch = _options.BatchSize;
        Tensor generated;
        if (generatedRows is not null)
            generated = generatedRows.detach();
        else
            using (no_grad())
                generated = _generator.Sample(batch, _random);
        _clock.Lap(GanTrainingPhase.GeneratedBatch);
        var fake = Replay?.Mix(generated, _options.ExperienceReplayFraction, _random) ?? generated;
        Replay?.Add(generated);
        var rows = cat([labeledRows, unlabeledRows, fake], 0);
        if (instanceNoise > 0)
        {
            using var noise = _noise.Normal(rows.shape, rows.device);
            using var level = instanceNoise.ToScalar();
            rows = rows.add(noise, alpha: level);
        }
        if (_closedFormLoss && _discriminator.TrainingPass(rows) is { } pass)
            return RunWithClosedFormLoss(pass, classes);
        var logits = _discriminator.Logits(rows, [batch, batch, batch]);
        var labeledLogits = logits.narrow(0, 0, batch);
        var supervised = SemiSupervisedLoss.Supervised(labeledLogits, classes);
        var unsupervised = SemiSupervisedLoss.Unsupervised(logits.narrow(0, batch, batch), logits.narrow(0, 2L * batch, batch), _options.OneSidedLabelSmoothing);
        var loss = supervised.add(unsupervised, alpha: _unlabeledWeight);
        if (_options.ConsistencyWeight > 0)
        {
            var unlabeled = rows.narrow(0, batch, batch);
            var consistency = ConsistencyLoss.Compute(logits.narrow(0, batch, batch), _discriminator.Logits(unlabeled, [batch]));
            loss = loss.add(consistency, alpha: _consistencyWeight);
        }
        if (_mutualInformation is not null)
            loss = loss.add(_mutualInformation.Compute(logits.narrow(0, batch, batch)), alpha: _mutualInformationWeight);
        if (_options.VirtualAdversarialWeight > 0)
        {
            var unlabeled = rows.narrow(0, batch, batch);
            using var replay = new NoiseReplay(_noise, _random);
            var virtualAdversarial = VirtualAdversarialLoss.Compute(x => replay.Run(() => _discriminator.Logits(x, [batch])), unlabeled,
                _options.VirtualAdversarialEpsilon, _options.VirtualAdversarialXi, _random);
            loss = loss.add(virtualAdversarial, alpha: _virtualAdversarialWeight);
        }
        if (History is not null)
            loss = loss.add(History.Penalty(), HeldScalars.One);
        Optimizer.ZeroGrad();
        _clock.Lap(GanTrainingPhase.DiscriminatorForward);
        loss.backward();
        Update();
        double correct = labeledLogits.argmax(1).eq(classes).sum().item<long>();
        var result = (loss.item<float>(), unsupervised.item<float>(), correct);
        _clock.Lap(GanTrainingPhase.DiscriminatorUpdate);
        return result;
    }

    /// <summary>
    /// The rest of <see cref="Run"/> for the semi-supervised loss alone over a pass outside autograd: the loss and its
    /// gradient in one pass over the logits (<see cref="SemiSupervisedLoss.WithGradient"/>), the pass's backward, the update.
    /// </summary>
    private (double Loss, double UnsupervisedLoss, double Correct) RunWithClosedFormLoss(TrainingLogits.Pass pass, Tensor classes)
    {
        SemiSupervisedLoss.Parts parts;
        using (pass)
        {
            (parts, var gradient) = SemiSupervisedLoss.WithGradient(pass.Output, classes, _options.BatchSize, _options.UnlabeledWeight, _options.OneSidedLabelSmoothing);
            Optimizer.ZeroGrad();
            _clock.Lap(GanTrainingPhase.DiscriminatorForward);
            using (gradient)
                pass.Backward(gradient);
        }
        Update();
        _clock.Lap(GanTrainingPhase.DiscriminatorUpdate);
        return (parts.Supervised + _options.UnlabeledWeight * parts.Unsupervised, parts.Unsupervised, parts.Correct);
    }

    /// <summary>Adam's update from the gradients of the backward pass that has run, and the historical average's.</summary>
    private void Update()
    {
        var directionGradients = _directionGradients.Take();
        _clock.Lap(GanTrainingPhase.DiscriminatorBackward);
        Optimizer.Step(_average?.CountStep() == true ? _average : null, directionGradients);
        _directionGradients.Release();
        History?.Update();
    }

    public void Dispose()
    {
        _directionGradients.Dispose();
        Optimizer.Dispose();
        History?.Dispose();
        Replay?.Dispose();
        _unlabeledWeight.Dispose();
        _consistencyWeight.Dispose();
        _mutualInformationWeight.Dispose();
        _mutualInformation?.Dispose();
        _virtualAdversarialWeight.Dispose();
    }
}
