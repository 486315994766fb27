using Microsoft.ML.Gan.Data;
using Microsoft.ML.Gan.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// The classes' priors in the unlabeled rows, estimated with the EM procedure of Saerens, Latinne and Decaestecker
/// (2002, "Adjusting the outputs of a classifier to new a priori probabilities: a simple procedure"), and the classifier
/// adjusted to them. The classifier learns its prior from the labeled rows, whose class frequencies (a few rows chosen
/// per class) say nothing about the classes' frequencies in the data. EM alternates p'(k|x) ∝ p(k|x) π_k / π^L_k
/// (π^L: the labeled rows' frequencies) and π_k = the mean of p'(k|x) over the unlabeled rows; adding
/// log(π_k / π^L_k) to logit k then gives the posteriors p'(k|x) under the estimated priors.
/// </summary>
internal static class ClassPriorEstimation
{
    /// <summary>Unlabeled rows whose posteriors the estimate uses, at most.</summary>
    public const int MaximumRows = 100_000;

    /// <summary>EM stops when no prior changes by more than this, or after <see cref="MaximumIterations"/>.</summary>
    public const double Tolerance = 1e-6;

    public const int MaximumIterations = 1000;

    private const int ChunkRows = 4096;

    /// <summary>
    /// EM estimate of the priors from <paramref name="posteriors"/> (row-major [rows, K], each row summing to 1) of a
    /// classifier trained with the class frequencies <paramref name="labeledPerClass"/>. A class without labeled rows has no
    /// training frequency to correct: its posterior is not re-weighted, and its logit is left as it is.
    /// </summary>
    public static double[] Estimate(float[] posteriors, int[] labeledPerClass)
    {
        int classes = labeledPerClass.Length;
        int rows = posteriors.Length / classes;
        double total = labeledPerClass.Sum();
        var training = labeledPerClass.Select(c => c / total).ToArray();
        var prior = (double[])training.Clone();
        var ratio = new double[classes];
        var weighted = new double[classes];
        for (int iteration = 0; iteration < MaximumIterations; iteration++)
        {
            for (int k = 0; k < classes; k++)
                ratio[k] = training[k] > 0 ? prior[k] / training[k] : 1;
            var next = new double[classes];
            for (int row = 0; row < rows; row++)
            {
                double sum = 0;
                for (int k = 0; k < classes; k++)
                    sum += weighted[k] = posteriors[row * classes + k] * ratio[k];
                for (int k = 0; k < classes; k++)
                    next[k] += weighted[k] / sum;
            }
            double change = 0;
            for (int k = 0; k < classes; k++)
            {
                next[k] /= rows;
                change = Math.Max(change, Math.Abs(next[k] - prior[k]));
            }
            prior = next;
            if (change < Tolerance)
                break;
        }
        return prior;
    }

    /// <summary>
    /// Estimates the priors on up to <see cref="MaximumRows"/> rows of <paramref name="rows"/> (one pass of
    /// <paramref name="rowCount"/> rows) with <paramref name="discriminator"/> in evaluation mode, adds
    /// log(π_k / π^L_k) to its output bias, and returns the estimated priors.
    /// </summary>
    public static double[] Adjust(DiscriminatorNetwork discriminator, UnlabeledRows rows, long rowCount, int[] labeledPerClass)
    {
        int classes = labeledPerClass.Length;
        int count = (int)Math.Min(rowCount, MaximumRows);
        var posteriors = new float[count * classes];
        bool wasTraining = discriminator.training;
        discriminator.eval();
        rows.BeginEpoch();
        using (no_grad())
        {
            for (int start = 0; start < count; start += ChunkRows)
            {
                using var scope = NewDisposeScope();
                int size = Math.Min(ChunkRows, count - start);
                var probabilities = discriminator.forward(rows.Next(size)).softmax(1).cpu().contiguous();
                probabilities.data<float>().CopyTo(posteriors, start * classes);
            }
        }
        var prior = Estimate(posteriors, labeledPerClass);
        double total = labeledPerClass.Sum();
        var shift = new float[classes];
        for (int k = 0; k < classes; k++)
            shift[k] = labeledPerClass[k] > 0 && prior[k] > 0 ? (float)Math.Log(prior[k] / (labeledPerClass[k] / total)) : 0f;
        using (no_grad())
        {
            var bias = discriminator.OutputLayer.Bias;
            using var add = tensor(shift, device: bias.device);
            bias.add_(add, HeldScalars.One);
        }
        if (wasTraining)
            discriminator.train();
        return prior;
    }
}
