using Microsoft.ML.Gan.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// The generator's training step: with the discriminator frozen, one Adam update of the generator on its objective,
/// by default feature matching (Salimans et al., 2016, section 3.1): the squared distance between the mean
/// discriminator features of real rows and of new generated rows. A conditional generator draws uniform classes and
/// adds ConditionalClassWeight times the cross-entropy of the discriminator's K+1 classes on its samples against them;
/// historical averaging joins when the options turn it on.
/// </summary>
internal sealed class GeneratorStep : IDisposable
{
    private readonly SemiSupervisedGanTrainer.Options _options;
    private readonly DiscriminatorNetwork _discriminator;
    private readonly GeneratorNetwork _generator;
    private readonly RandomGenerator _random;
    private readonly PhaseClock _clock;
    private readonly Parameter[] _discriminatorParameters;
    /// <summary>ConditionalClassWeight held for every step's native add (<see cref="HeldScalars"/>: a temporary could be finalized during the native call).</summary>
    private readonly Scalar _conditionalClassWeight;
    /// <summary>The generator's weight-normalised dense layers whose direction gradients come in one pass, for Adam.</summary>
    private readonly DirectionGradients _directionGradients;

    /// <summary>Sets up the step's optimiser and historical average for the generator's parameters; <paramref name="clock"/> is charged the step's phases.</summary>
    public GeneratorStep(SemiSupervisedGanTrainer.Options options, DiscriminatorNetwork discriminator, GeneratorNetwork generator, RandomGenerator random, PhaseClock clock)
    {
        _options = options;
        _discriminator = discriminator;
        _generator = generator;
        _random = random;
        _clock = clock;
        _discriminatorParameters = discriminator.parameters().Where(p => p.requires_grad).ToArray();
        _conditionalClassWeight = options.ConditionalClassWeight.ToScalar();
        Optimizer = new Adam(generator.parameters(), options.GeneratorLearningRate, options.GeneratorAdamBeta1, options.GeneratorAdamBeta2);
        History = options.HistoricalAveragingWeight > 0 ? new HistoricalAveraging(generator.parameters(), options.HistoricalAveragingWeight) : null;
        // The generator runs once per backward pass; the historical average's penalty would be a second use of v.
        _directionGradients = new DirectionGradients(History is null ? generator.modules().OfType<WeightNormDense>() : []);
    }

    /// <summary>The generator's Adam optimiser.</summary>
    public Adam Optimizer { get; }

    /// <summary>The historical average of the generator's parameters; null when HistoricalAveragingWeight is 0.</summary>
    public HistoricalAveraging? History { get; }

    /// <summary>
    /// BatchSize new samples with autograd on (for a conditional generator, of uniformly drawn classes), for the
    /// discriminator step before <see cref="Run"/> to share.
    /// </summary>
    public GeneratedBatch Generate(Device device)
    {
        var classes = DrawClasses(device);
        return new GeneratedBatch(Sample(classes), classes);
    }

    /// <summary>
    /// Updates the generator once, matched against the BatchSize <paramref name="realRows"/>, on <paramref name="shared"/>
    /// (<see cref="Generate"/>) or, when null, BatchSize new samples; returns its loss.
    /// </summary>
    public double Run(Tensor realRows, GeneratedBatch? shared = null)
    {
        Tensor loss;
        var classes = shared is { } given ? given.Classes : DrawClasses(realRows.device);
        Tensor? logits = null;
        SetDiscriminatorTrainable(false);
        if (_options.GeneratorObjective == GeneratorObjective.FeatureMatching)
        {
            Tensor? generated = null;
            var (realFeatures, generatedFeatures) = _discriminator.MatchedFeatures(realRows, () => generated = shared?.Rows ?? Sample(classes));
            loss = FeatureMatchingLoss.Compute(realFeatures, generatedFeatures);
            if (classes is not null)
                logits = _discriminator.forward(generated!);
        }
        else
        {
            logits = _discriminator.forward(shared?.Rows ?? Sample(classes));
            loss = _options.GeneratorObjective == GeneratorObjective.NonSaturating ? GeneratorLoss.NonSaturating(logits) : GeneratorLoss.Minimax(logits);
        }
        if (classes is not null)
            loss = loss.add(GeneratorLoss.Conditional(logits!, classes), alpha: _conditionalClassWeight);
        if (History is not null)
            loss = loss.add(History.Penalty(), HeldScalars.One);
        Optimizer.ZeroGrad();
        _clock.Lap(GanTrainingPhase.GeneratorForward);
        loss.backward();
        var directionGradients = _directionGradients.Take();
        _clock.Lap(GanTrainingPhase.GeneratorBackward);
        Optimizer.Step(directionGradients: directionGradients);
        _directionGradients.Release();
        History?.Update();
        SetDiscriminatorTrainable(true);
        float value = loss.item<float>();
        _clock.Lap(GanTrainingPhase.GeneratorUpdate);
        return value;
    }

    /// <summary>BatchSize uniformly drawn classes (int64) for a conditional generator; null for an unconditional one.</summary>
    private Tensor? DrawClasses(Device device) =>
        _generator.ClassCount > 0 ? randint(_generator.ClassCount, [_options.BatchSize], generator: _random, device: device) : null;

    /// <summary>BatchSize samples from new noise, of <paramref name="classes"/> for a conditional generator.</summary>
    private Tensor Sample(Tensor? classes) => classes is null ? _generator.Sample(_options.BatchSize, _random) : _generator.Sample(classes, _random);

    /// <summary>Freezes the discriminator (no gradients, weights folded once) for the generator's step, or ends that.</summary>
    private void SetDiscriminatorTrainable(bool trainable)
    {
        foreach (var p in _discriminatorParameters)
            p.requires_grad = trainable;
        if (trainable)
            _discriminator.ThawWeights();
        else
            _discriminator.FreezeWeights();
    }

    public void Dispose()
    {
        _directionGradients.Dispose();
        Optimizer.Dispose();
        History?.Dispose();
        _conditionalClassWeight.Dispose();
    }
}
