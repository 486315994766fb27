using TorchSharp;
using Microsoft.ML.Gan.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// The adversarial generator losses in the K+1 formulation, from the discriminator's K logits l of generated rows:
/// log D(x) = LSE(l) - softplus(LSE(l)) and log(1 - D(x)) = -softplus(LSE(l)); and the class term of a conditional generator.
/// </summary>
internal static class GeneratorLoss
{
    /// <summary>-E log D(G(z)) = E[softplus(LSE(l)) - LSE(l)].</summary>
    public static Tensor NonSaturating(Tensor generatedLogits)
    {
        using var logSumExp = generatedLogits.logsumexp(1);
        using var softplus = HeldScalars.Softplus(logSumExp);
        using var difference = softplus.sub(logSumExp);
        return difference.mean();
    }

    /// <summary>E log(1 - D(G(z))) = -E softplus(LSE(l)).</summary>
    public static Tensor Minimax(Tensor generatedLogits)
    {
        using var logSumExp = generatedLogits.logsumexp(1);
        using var softplus = HeldScalars.Softplus(logSumExp);
        using var mean = softplus.mean();
        return mean.neg();
    }

    /// <summary>
    /// The class term of a conditional generator: the cross-entropy of the K+1 classes (the K logits l and the fixed
    /// "generated" logit 0) against the class c each sample was generated for (0-based, int64),
    /// E[-log p(c | x)] = E[softplus(LSE(l)) - l_c]: "real, and of class c". It is the K-class cross-entropy LSE(l) - l_c
    /// plus the non-saturating term; the K-class term alone does not change when all K logits shift together, so the
    /// generator could satisfy it with samples the discriminator already calls generated.
    /// </summary>
    public static Tensor Conditional(Tensor generatedLogits, Tensor classes)
    {
        using var logSumExp = generatedLogits.logsumexp(1);
        using var softplus = HeldScalars.Softplus(logSumExp);
        using var index = classes.unsqueeze(1);
        using var picked = generatedLogits.gather(1, index).squeeze(1);
        using var difference = softplus.sub(picked);
        return difference.mean();
    }
}
