using TorchSharp;
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
        using var softplus = nn.functional.softplus(logSumExp);
        using var difference = softplus.sub(logSumExp);
        return difference.mean();
    }

    /// <summary>E log(1 - D(G(z))) = -E softplus(LSE(l)).</summary>
    public static Tensor Minimax(Tensor generatedLogits)
    {
        using var logSumExp = generatedLogits.logsumexp(1);
        using var softplus = nn.functional.softplus(logSumExp);
        using var mean = softplus.mean();
        return mean.neg();
    }

    /// <summary>
    /// The class term of a conditional generator: the cross-entropy over the K real classes of the discriminator's logits
    /// on samples generated for <paramref name="classes"/> (0-based, int64), E[LSE(l) - l_c].
    /// </summary>
    public static Tensor Conditional(Tensor generatedLogits, Tensor classes) => SemiSupervisedLoss.Supervised(generatedLogits, classes);
}
