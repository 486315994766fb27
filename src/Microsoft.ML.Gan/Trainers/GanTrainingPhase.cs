namespace Microsoft.ML.Gan;

/// <summary>The parts of a training step whose wall time <see cref="GanTrainingProgress.PhaseSeconds"/> reports.</summary>
public enum GanTrainingPhase
{
    /// <summary>Assembling the labeled and unlabeled minibatches (reading a streamed data view included).</summary>
    Data,

    /// <summary>The generator's samples that the discriminator's step sees as fake (no gradients).</summary>
    GeneratedBatch,

    /// <summary>The discriminator's forward pass over the labeled, unlabeled and generated rows, noise and losses included.</summary>
    DiscriminatorForward,

    /// <summary>The discriminator's backward pass.</summary>
    DiscriminatorBackward,

    /// <summary>The discriminator's Adam update, historical averaging, and the update of the averaged discriminator that scores.</summary>
    DiscriminatorUpdate,

    /// <summary>
    /// No longer timed apart (always 0): the averaged discriminator moves within <see cref="DiscriminatorUpdate"/>, each
    /// parameter's average while Adam's pass has that parameter in cache.
    /// </summary>
    Averaging,

    /// <summary>The generator's step up to its loss: the discriminator's features of real and of new generated rows.</summary>
    GeneratorForward,

    /// <summary>The generator's backward pass, through the frozen discriminator.</summary>
    GeneratorBackward,

    /// <summary>The generator's Adam update (and historical averaging).</summary>
    GeneratorUpdate,
}
