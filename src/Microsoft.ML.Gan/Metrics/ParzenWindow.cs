namespace Microsoft.ML.Gan.Metrics;

/// <summary>
/// The Parzen-window log-likelihood estimate of Goodfellow et al. (2014): a Gaussian kernel density with one isotropic
/// Gaussian of standard deviation sigma on each generated sample, log p(x) = logsumexp_i(-|x - g_i|^2 / (2 sigma^2))
/// - log N - (d/2) log(2 pi sigma^2), averaged over test points; sigma is the candidate with the highest mean on a
/// validation set.
/// </summary>
internal static class ParzenWindow
{
    public static double MeanLogLikelihood(double[][] samples, double[][] points, double sigma)
    {
        if (!(sigma > 0))
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "sigma must be positive.");
        return LogLikelihoods(samples, points, sigma).Average();
    }

    public static double[] LogLikelihoods(double[][] samples, double[][] points, double sigma)
    {
        int d = samples[0].Length;
        double normalizer = Math.Log(samples.Length) + d / 2.0 * Math.Log(2 * Math.PI * sigma * sigma);
        var result = new double[points.Length];
        Parallel.For(0, points.Length, p =>
        {
            var exponents = new double[samples.Length];
            for (int i = 0; i < samples.Length; i++)
            {
                double squared = 0;
                for (int k = 0; k < d; k++)
                {
                    double diff = points[p][k] - samples[i][k];
                    squared += diff * diff;
                }
                exponents[i] = -squared / (2 * sigma * sigma);
            }
            double max = exponents.Max();
            result[p] = max + Math.Log(exponents.Sum(e => Math.Exp(e - max))) - normalizer;
        });
        return result;
    }

    /// <summary>The candidate sigma with the highest mean log-likelihood of <paramref name="validation"/>.</summary>
    public static double ChooseSigma(double[][] samples, double[][] validation, IEnumerable<double> candidates) =>
        candidates.MaxBy(sigma => MeanLogLikelihood(samples, validation, sigma));
}
