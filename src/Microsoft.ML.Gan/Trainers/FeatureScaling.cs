namespace Microsoft.ML.Gan;

/// <summary>What the trainer does with the scale of the features before the networks see them.</summary>
public enum FeatureScaling
{
    /// <summary>
    /// <see cref="None"/> for pixel data (the convolutional architecture, or at least 256 features that all lie in [0, 1])
    /// and for binary data (every value 0 or 1, e.g. one-hot codes), <see cref="Standardize"/> for everything else, e.g.
    /// tabular rows of raw or min-max scaled numbers.
    /// </summary>
    Auto,

    /// <summary>The networks see the features as given; the generator's samples lie in [0, 1] (a sigmoid output), as for pixels.</summary>
    None,

    /// <summary>
    /// Each feature slot is standardised, (x - mean) / standard deviation, with the mean and standard deviation of the
    /// training rows, so the input and instance noise are relative to each slot's spread and raw, min-max or standardised
    /// inputs train alike. The generator's output is linear and mapped back to the features' units. The exported ONNX
    /// graph and model.zip apply the same standardisation, so scoring takes the features as given. A slot with the same
    /// value in every training row carries no information: as ML.NET's NormalizeMeanVariance does, it is mapped to 0
    /// (whatever its value when scoring), the generator gives it that value, and the trainer logs a warning naming the
    /// column and slots. Mlp architecture only.
    /// </summary>
    Standardize,
}
