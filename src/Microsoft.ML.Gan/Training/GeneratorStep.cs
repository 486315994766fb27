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

    /// <summary>Updates the generator once on BatchSize new samples, matched against the BatchSize <paramref name="realRows"/>; returns its loss.</summary>
    public double Run(Tensor realRows)
    {
        int batch = _options.BatchSize;
        Tensor loss;
        var classes = _generator.ClassCount > 0 ? randint(_generator.ClassCount, [batch], generator: _random, device: realRows.device) : null;
        Tensor? logits = null;
        SetDiscriminatorTrainable(false);
        if (_options.GeneratorObjective == GeneratorObjective.FeatureMatching)
        {
            Tensor? generated = null;
            var (realFeatures, generatedFeatures) = _discriminator.MatchedFeatures(realRows,
                () => generated = classes is null ? _generator.Sample(batch, _random) : _generator.Sample(classes, _random));
            loss = FeatureMatchingLoss.Compute(realFeatures, generatedFeatures);
            if (classes is not null)
                logits = _discriminator.forward(generated!);
        }
        else
        {
            logits = _discriminator.forward(classes is null ? _generator.Sample(batch, _random) : _generator.Sample(classes, _random));
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
