using TorchSharp;
using Microsoft.ML.Gan.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// The discriminator's losses of the K+1 formulation with the K+1-th logit fixed at 0, so that
/// D(x) = Z / (Z + 1) with Z = sum exp(l) and log D(x) = LSE(l) - softplus(LSE(l)).
/// </summary>
internal static class SemiSupervisedLoss
{
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

    /// <summary>The K+1 class logits from the discriminator's K: the generated class's logit is fixed at 0 (the paper's parametrisation).</summary>
    public static Tensor WithGeneratedClass(Tensor logits)
    {
        using var generated = zeros([logits.shape[0], 1], dtype: logits.dtype, device: logits.device);
        return cat([logits, generated], 1);
    }
}
