using TorchSharp;
using Microsoft.ML.Gan.Networks;
using Microsoft.ML.Gan.Runtime;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// The discriminator's losses of the K+1 formulation with the K+1-th logit fixed at 0, so that
/// D(x) = Z / (Z + 1) with Z = sum exp(l) and log D(x) = LSE(l) - softplus(LSE(l)). As libtorch operations for autograd,
/// or in one pass over the logits with the closed-form gradient (<see cref="WithGradient"/>).
/// </summary>
internal static unsafe class SemiSupervisedLoss
{
    /// <summary>The parts of the discriminator's loss: the supervised and unsupervised losses, and how many labeled rows the largest logit puts in their class.</summary>
    internal readonly record struct Parts(double Supervised, double Unsupervised, long Correct);

    /// <summary>The factor 0.5, held for the native multiply (<see cref="HeldScalars"/>: a temporary could be finalized during the native call).</summary>
    private static readonly Scalar Half = 0.5.ToScalar();

    /// <summary>Cross-entropy over the K real classes: mean(LSE(l)) - mean(l_y). Labels are 0-based class indices.</summary>
    public static Tensor Supervised(Tensor logits, Tensor labels)
    {
        using var logSumExp = logits.logsumexp(1);
        using var index = labels.unsqueeze(1);
        using var picked = logits.gather(1, index);
        using var lseMean = logSumExp.mean();
        using var pickedMean = picked.mean();
        return lseMean.sub(pickedMean);
    }

    /// <summary>
    /// The unsupervised loss: unlabeled rows are real, generated rows are fake,
    /// 0.5 * [-mean LSE(l_unl) + mean softplus(LSE(l_unl))] + 0.5 * mean softplus(LSE(l_fake)).
    /// With one-sided label smoothing the real rows' target is <paramref name="realTarget"/> = alpha instead of 1:
    /// -alpha log D - (1 - alpha) log(1 - D) = softplus(LSE) - alpha LSE; the fake rows' target stays 0.
    /// </summary>
    public static Tensor Unsupervised(Tensor unlabeledLogits, Tensor generatedLogits, double realTarget = 1.0)
    {
        using var lseReal = unlabeledLogits.logsumexp(1);
        using var lseFake = generatedLogits.logsumexp(1);
        using var softplusReal = HeldScalars.Softplus(lseReal);
        using var softplusFake = HeldScalars.Softplus(lseFake);
        using var target = realTarget.ToScalar();
        using var scaledReal = lseReal.mul(target);
        using var realTerm = softplusReal.sub(scaledReal).mean();
        using var fakeTerm = softplusFake.mean();
        return realTerm.add(fakeTerm, HeldScalars.One).mul(Half);
    }

    /// <summary>
    /// The loss <see cref="Supervised"/> + <paramref name="unlabeledWeight"/> w * <see cref="Unsupervised"/> of
    /// <paramref name="logits"/> [n, K] (float32 on the CPU) whose first rows are labeled with the 0-based
    /// <paramref name="classes"/>, the next <paramref name="unlabeledRows"/> unlabeled and the rest generated, summed in
    /// float64 in one pass over the rows, with its gradient (float32 [n, K]), which is closed-form with p = softmax(l):
    /// (p - onehot(y)) / n_labeled, w 0.5 (sigmoid(LSE) - a) p / n_unlabeled and w 0.5 sigmoid(LSE) p / n_generated,
    /// a being <paramref name="realTarget"/>. The values are those of the operations up to float32 rounding.
    /// </summary>
    public static (Parts Parts, Tensor Gradient) WithGradient(Tensor logits, Tensor classes, long unlabeledRows, double unlabeledWeight, double realTarget)
    {
        long rows = logits.shape[0], labeledRows = classes.shape[0], generatedRows = rows - labeledRows - unlabeledRows;
        if (logits.dim() != 2 || logits.dtype != ScalarType.Float32 || logits.device_type != DeviceType.CPU || generatedRows < 0)
            throw new ArgumentException($"Logits of shape [{string.Join(", ", logits.shape)}] ({logits.dtype}) cannot hold {labeledRows} labeled and {unlabeledRows} unlabeled rows.", nameof(logits));
        int k = (int)logits.shape[1];
        using var values = logits.contiguous();
        using var labels = classes.to(ScalarType.Int64).contiguous();
        var gradient = empty([rows, k], ScalarType.Float32);
        float* l = TensorMemory.Address<float>(values), dl = TensorMemory.Address<float>(gradient);
        long* y = TensorMemory.Address<long>(labels);
        double supervised = 0, real = 0, fake = 0;
        long correct = 0;
        for (long r = 0; r < rows; r++)
        {
            float* row = l + r * k;
            int largest = 0;
            for (int c = 1; c < k; c++)
            {
                if (row[c] > row[largest])
                    largest = c;
            }
            double max = row[largest], sum = 0;
            for (int c = 0; c < k; c++)
                sum += Math.Exp(row[c] - max);
            double logSumExp = max + Math.Log(sum);
            // The row's gradient is factor * softmax(l), less factor at the labeled class.
            double factor;
            long label = -1;
            if (r < labeledRows)
            {
                label = y[r];
                if (label < 0 || label >= k)
                    throw new ArgumentOutOfRangeException(nameof(classes), label, $"Class {label} of labeled row {r} is not one of the {k} classes.");
                supervised += logSumExp - row[label];
                correct += largest == label ? 1 : 0;
                factor = 1.0 / labeledRows;
            }
            else if (r < labeledRows + unlabeledRows)
            {
                real += Softplus(logSumExp) - realTarget * logSumExp;
                factor = unlabeledWeight * 0.5 * (Sigmoid(logSumExp) - realTarget) / unlabeledRows;
            }
            else
            {
                fake += Softplus(logSumExp);
                factor = unlabeledWeight * 0.5 * Sigmoid(logSumExp) / generatedRows;
            }
            float* rowGradient = dl + r * k;
            for (int c = 0; c < k; c++)
                rowGradient[c] = (float)(factor * (Math.Exp(row[c] - logSumExp) - (c == label ? 1 : 0)));
        }
        var parts = new Parts(
            labeledRows > 0 ? supervised / labeledRows : 0,
            0.5 * ((unlabeledRows > 0 ? real / unlabeledRows : 0) + (generatedRows > 0 ? fake / generatedRows : 0)),
            correct);
        return (parts, gradient);
    }

    /// <summary>log(1 + e^x) without overflow.</summary>
    private static double Softplus(double x) => x > 0 ? x + Math.Log(1 + Math.Exp(-x)) : Math.Log(1 + Math.Exp(x));

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>The K+1 class logits from the discriminator's K: the generated class's logit is fixed at 0 (the paper's parametrisation).</summary>
    public static Tensor WithGeneratedClass(Tensor logits)
    {
        using var generated = zeros([logits.shape[0], 1], dtype: logits.dtype, device: logits.device);
        return cat([logits, generated], 1);
    }
}
