namespace Microsoft.ML.Gan.Metrics;

/// <summary>
/// Multi-scale structural similarity (Wang, Simoncelli and Bovik, 2003) of two grayscale images with values in [0, 1]:
/// a Gaussian window (11 pixels, sigma 1.5; clipped to the image at small scales), C1 = 0.01^2, C2 = 0.03^2, 2x2
/// average pooling between scales, and the standard weights 0.0448, 0.2856, 0.3001, 0.2363, 0.1333. Small images get
/// fewer scales: a scale is used while its side is at least 7 pixels (28x28 digits: 28, 14 and 7), and the weights
/// of the scales used are renormalised to sum to 1. Negative contrast-structure means are clamped to 0 before the
/// fractional powers.
/// </summary>
internal static class MultiScaleSsim
{
    private static readonly double[] Weights = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333];
    private const int Window = 11;
    private const int SmallestSide = 7;
    private const double Sigma = 1.5;
    private const double C1 = 0.01 * 0.01;
    private const double C2 = 0.03 * 0.03;

    public static double Compute(double[] first, double[] second, int height, int width)
    {
        if (first.Length != height * width || second.Length != height * width)
            throw new ArgumentException($"Images of {height}x{width} need {height * width} values; got {first.Length} and {second.Length}.");
        int scales = 0;
        for (int side = Math.Min(height, width); side >= SmallestSide && scales < Weights.Length; side /= 2)
            scales++;
        if (scales == 0)
            throw new ArgumentException($"Images of {height}x{width} are smaller than {SmallestSide} pixels.");
        double weightSum = Weights.Take(scales).Sum();
        double result = 1;
        for (int scale = 0; scale < scales; scale++)
        {
            var (luminance, contrastStructure) = Means(first, second, height, width);
            double weight = Weights[scale] / weightSum;
            result *= scale == scales - 1
                ? Math.Pow(Math.Max(luminance * contrastStructure, 0), weight)
                : Math.Pow(Math.Max(contrastStructure, 0), weight);
            if (scale < scales - 1)
            {
                first = Pool(first, height, width);
                second = Pool(second, height, width);
                height /= 2;
                width /= 2;
            }
        }
        return result;
    }

    /// <summary>Means over the valid window positions of the luminance term and of the contrast-structure term.</summary>
    private static (double Luminance, double ContrastStructure) Means(double[] x, double[] y, int height, int width)
    {
        int size = Math.Min(Window, Math.Min(height, width));
        var kernel = Kernel(size);
        double luminanceSum = 0, contrastSum = 0;
        int positions = 0;
        for (int top = 0; top + size <= height; top++)
        {
            for (int left = 0; left + size <= width; left++)
            {
                double mx = 0, my = 0, xx = 0, yy = 0, xy = 0;
                for (int i = 0; i < size; i++)
                {
                    for (int j = 0; j < size; j++)
                    {
                        double w = kernel[i, j], a = x[(top + i) * width + left + j], b = y[(top + i) * width + left + j];
                        mx += w * a;
                        my += w * b;
                        xx += w * a * a;
                        yy += w * b * b;
                        xy += w * a * b;
                    }
                }
                double vx = xx - mx * mx, vy = yy - my * my, cxy = xy - mx * my;
                luminanceSum += (2 * mx * my + C1) / (mx * mx + my * my + C1);
                contrastSum += (2 * cxy + C2) / (vx + vy + C2);
                positions++;
            }
        }
        return (luminanceSum / positions, contrastSum / positions);
    }

    private static double[,] Kernel(int size)
    {
        var kernel = new double[size, size];
        double center = (size - 1) / 2.0, sum = 0;
        for (int i = 0; i < size; i++)
        {
            for (int j = 0; j < size; j++)
                sum += kernel[i, j] = Math.Exp(-((i - center) * (i - center) + (j - center) * (j - center)) / (2 * Sigma * Sigma));
        }
        for (int i = 0; i < size; i++)
        {
            for (int j = 0; j < size; j++)
                kernel[i, j] /= sum;
        }
        return kernel;
    }

    private static double[] Pool(double[] image, int height, int width)
    {
        int h = height / 2, w = width / 2;
        var pooled = new double[h * w];
        for (int i = 0; i < h; i++)
        {
            for (int j = 0; j < w; j++)
                pooled[i * w + j] = (image[2 * i * width + 2 * j] + image[2 * i * width + 2 * j + 1] + image[(2 * i + 1) * width + 2 * j] + image[(2 * i + 1) * width + 2 * j + 1]) / 4;
        }
        return pooled;
    }
}
