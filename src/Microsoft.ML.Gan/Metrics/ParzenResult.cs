namespace Microsoft.ML.Gan;

/// <summary>Parzen-window estimate: the chosen sigma, the mean log-likelihood of the test rows (nats) and its standard error.</summary>
public sealed record ParzenResult(double Sigma, double MeanLogLikelihood, double StandardError);
