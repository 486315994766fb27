namespace FashionMnistImages;

/// <summary>
/// What the example measured: the test error of the semi-supervised GAN and of ML.NET's LbfgsMaximumEntropy trained on the
/// same labeled images only (fractions in [0, 1]), and the class the reloaded model.zip predicts for one new image.
/// </summary>
internal sealed record FashionResult(double GanTestError, double BaselineTestError, string NewImage, string PredictedClass, string TrueClass);
