using Microsoft.ML.Gan.Metrics;

namespace Microsoft.ML.Gan;

/// <summary>
/// Measures of generative models, reached as <c>mlContext.Gan.Metrics</c>. They take any IDataView: class
/// probabilities from any ML.NET classifier, features from any transformer, images as pixel vectors in [0, 1].
/// </summary>
public sealed class GanMetricsCatalog
{
    internal GanMetricsCatalog()
    {
    }

    /// <summary>
    /// Inception score exp(E KL(p(y|x) || p(y))) of samples scored by a classifier, with the paper's protocol: the rows
    /// are split into <paramref name="splits"/> equal parts (default 10), each scored with its own p(y).
    /// </summary>
    /// <param name="scored">Rows scored by a classifier (e.g. <c>model.Transform(generated)</c>).</param>
    /// <param name="scoreColumnName">Vector of class probabilities summing to 1. Default "Score".</param>
    /// <param name="splits">Number of parts. Default 10.</param>
    /// <returns>Mean and standard deviation of the score over the parts; between 1 and the number of classes.</returns>
    public InceptionScoreResult InceptionScore(IDataView scored, string scoreColumnName = ColumnNames.Score, int splits = 10)
    {
        var (mean, deviation) = Metrics.InceptionScore.Compute(VectorColumn.Read(scored, scoreColumnName), splits);
        return new InceptionScoreResult(mean, deviation);
    }

    /// <summary>
    /// Fréchet distance between Gaussians fitted to the features of real and generated rows (FID when the features are
    /// a network layer's activations). 0 for identical distributions; in squared feature units.
    /// </summary>
    public double FrechetDistance(IDataView real, IDataView generated, string featureColumnName) =>
        Metrics.FrechetDistance.Compute(VectorColumn.Read(real, featureColumnName), VectorColumn.Read(generated, featureColumnName));

    /// <summary>
    /// Mean multi-scale SSIM over <paramref name="pairs"/> random pairs of distinct images (seeded): 1 for identical
    /// images; lower means more diverse samples. Images are grayscale <paramref name="height"/> x <paramref name="width"/>
    /// pixel vectors in [0, 1] (row-major, as ExtractPixels writes one channel).
    /// </summary>
    public double MultiScaleSsimDiversity(IDataView images, string columnName, int height, int width, int pairs = 1000, int seed = 0)
    {
        var rows = VectorColumn.Read(images, columnName);
        if (rows.Length < 2)
            throw new ArgumentException($"Column '{columnName}' needs at least 2 images to form pairs.", nameof(images));
        var random = new Random(seed);
        double sum = 0;
        for (int p = 0; p < pairs; p++)
        {
            int a = random.Next(rows.Length), b = random.Next(rows.Length - 1);
            if (b >= a)
                b++;
            sum += MultiScaleSsim.Compute(rows[a], rows[b], height, width);
        }
        return sum / pairs;
    }

    /// <summary>
    /// Parzen-window log-likelihood (Goodfellow et al., 2014) of <paramref name="test"/> rows under a Gaussian kernel
    /// density on the <paramref name="generated"/> rows; sigma is the candidate (default 0.05 to 1, 20 values evenly
    /// spaced in log scale) with the highest mean on <paramref name="validation"/>. In nats per row.
    /// </summary>
    public ParzenResult ParzenLogLikelihood(IDataView generated, IDataView validation, IDataView test, string columnName, IEnumerable<double>? sigmas = null)
    {
        var samples = VectorColumn.Read(generated, columnName);
        var candidates = sigmas?.ToArray() ?? Enumerable.Range(0, 20).Select(i => 0.05 * Math.Pow(20, i / 19.0)).ToArray();
        double sigma = ParzenWindow.ChooseSigma(samples, VectorColumn.Read(validation, columnName), candidates);
        var values = ParzenWindow.LogLikelihoods(samples, VectorColumn.Read(test, columnName), sigma);
        double mean = values.Average();
        double standardError = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1) / values.Length);
        return new ParzenResult(sigma, mean, standardError);
    }
}
