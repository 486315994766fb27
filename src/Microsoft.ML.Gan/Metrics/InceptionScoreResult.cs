namespace Microsoft.ML.Gan;

/// <summary>Inception score: mean and standard deviation over the splits.</summary>
public sealed record InceptionScoreResult(double Mean, double StandardDeviation);
