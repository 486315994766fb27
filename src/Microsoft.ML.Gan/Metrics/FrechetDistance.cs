namespace Microsoft.ML.Gan.Metrics;

/// <summary>
/// The Fréchet distance between Gaussians fitted to two sets of feature vectors (FID when the features come from an
/// Inception network): |m1 - m2|^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^(1/2)). The trace of the square root is computed as
/// the sum of the square roots of the eigenvalues of S1^(1/2) S2 S1^(1/2), which is symmetric and positive semi-definite,
/// in double precision with tiny negative eigenvalues (rounding in near-singular covariances) clamped to 0.
/// Covariances use the n - 1 denominator.
/// </summary>
internal static class FrechetDistance
{
    public static double Compute(double[][] first, double[][] second)
    {
        if (first[0].Length != second[0].Length)
            throw new ArgumentException($"The two sets have {first[0].Length} and {second[0].Length} features; they must match.");
        var (mean1, covariance1) = Moments(first);
        var (mean2, covariance2) = Moments(second);
        int d = mean1.Length;
        double distance = 0;
        for (int i = 0; i < d; i++)
            distance += (mean1[i] - mean2[i]) * (mean1[i] - mean2[i]) + covariance1[i, i] + covariance2[i, i];
        var root1 = SquareRoot(covariance1);
        var product = Multiply(Multiply(root1, covariance2), root1);
        for (int i = 0; i < d; i++)
        {
            for (int j = i + 1; j < d; j++)
                product[i, j] = product[j, i] = (product[i, j] + product[j, i]) / 2;
        }
        var (values, _) = SymmetricEigen.Decompose(product);
        distance -= 2 * values.Sum(v => Math.Sqrt(Math.Max(v, 0)));
        return Math.Max(distance, 0);
    }

    private static (double[] Mean, double[,] Covariance) Moments(double[][] rows)
    {
        if (rows.Length < 2)
            throw new ArgumentException($"A covariance needs at least 2 rows; the set has {rows.Length}.");
        int d = rows[0].Length;
        var mean = new double[d];
        foreach (var row in rows)
        {
            for (int i = 0; i < d; i++)
                mean[i] += row[i] / rows.Length;
        }
        var covariance = new double[d, d];
        foreach (var row in rows)
        {
            for (int i = 0; i < d; i++)
            {
                double di = row[i] - mean[i];
                for (int j = i; j < d; j++)
                    covariance[i, j] += di * (row[j] - mean[j]);
            }
        }
        for (int i = 0; i < d; i++)
        {
            for (int j = i; j < d; j++)
                covariance[j, i] = covariance[i, j] /= rows.Length - 1;
        }
        return (mean, covariance);
    }

    private static double[,] SquareRoot(double[,] symmetric)
    {
        var (values, vectors) = SymmetricEigen.Decompose(symmetric);
        int n = values.Length;
        var root = new double[n, n];
        for (int k = 0; k < n; k++)
        {
            double s = Math.Sqrt(Math.Max(values[k], 0));
            if (s == 0)
                continue;
            for (int i = 0; i < n; i++)
            {
                double vik = vectors[i, k] * s;
                for (int j = 0; j < n; j++)
                    root[i, j] += vik * vectors[j, k];
            }
        }
        return root;
    }

    private static double[,] Multiply(double[,] a, double[,] b)
    {
        int n = a.GetLength(0), m = b.GetLength(1), inner = a.GetLength(1);
        var result = new double[n, m];
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < inner; k++)
            {
                double aik = a[i, k];
                for (int j = 0; j < m; j++)
                    result[i, j] += aik * b[k, j];
            }
        }
        return result;
    }
}
