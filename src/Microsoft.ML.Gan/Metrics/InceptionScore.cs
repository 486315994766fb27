namespace Microsoft.ML.Gan.Metrics;

/// <summary>
/// The Inception score of Salimans et al. (2016): exp(E_x KL(p(y|x) || p(y))), with p(y|x) the class probabilities a
/// classifier gives each sample and p(y) their mean. The paper's protocol splits the samples into equal parts, scores
/// each part with its own p(y), and reports the mean and standard deviation over the parts.
/// </summary>
internal static class InceptionScore
{
    public static (double Mean, double StandardDeviation) Compute(double[][] probabilities, int splits)
    {
        if (splits <= 0 || splits > probabilities.Length)
            throw new ArgumentOutOfRangeException(nameof(splits), splits, $"splits must be between 1 and the number of samples ({probabilities.Length}).");
        var scores = new double[splits];
        for (int s = 0; s < splits; s++)
        {
            int start = s * probabilities.Length / splits, end = (s + 1) * probabilities.Length / splits;
            scores[s] = Math.Exp(MeanDivergence(probabilities[start..end]));
        }
        double mean = scores.Average();
        return (mean, Math.Sqrt(scores.Sum(x => (x - mean) * (x - mean)) / splits));
    }

    /// <summary>Mean over the rows of KL(p(y|x) || p(y)), terms with p(y|x) = 0 contributing 0.</summary>
    private static double MeanDivergence(double[][] rows)
    {
        int classes = rows[0].Length;
        var marginal = new double[classes];
        foreach (var row in rows)
        {
            for (int k = 0; k < classes; k++)
                marginal[k] += row[k] / rows.Length;
        }
        double sum = 0;
        foreach (var row in rows)
        {
            for (int k = 0; k < classes; k++)
            {
                if (row[k] > 0)
                    sum += row[k] * (Math.Log(row[k]) - Math.Log(marginal[k]));
            }
        }
        return sum / rows.Length;
    }
}
