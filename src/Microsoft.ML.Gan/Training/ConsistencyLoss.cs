using Microsoft.ML.Gan.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// The consistency term of CT-GAN (Wei et al., 2018) in its semi-supervised form: the discriminator sees the same
/// unlabeled rows twice, with independent noise inside the network, and is penalised by the squared difference of its
/// K+1 class probabilities, summed over the classes and averaged over the rows.
/// </summary>
internal static class ConsistencyLoss
{
    /// <summary>mean over rows of sum over the K+1 classes of (p1 - p2)^2, from two passes' K logits (the generated class's logit is 0).</summary>
    public static Tensor Compute(Tensor firstLogits, Tensor secondLogits)
    {
        using var first = Probabilities(firstLogits);
        using var second = Probabilities(secondLogits);
        using var difference = first.sub(second);
        using var squared = difference.pow(HeldScalars.Two);
        using var perRow = squared.sum(1);
        return perRow.mean();
    }

    private static Tensor Probabilities(Tensor logits)
    {
        using var all = SemiSupervisedLoss.WithGeneratedClass(logits);
        return all.softmax(1);
    }
}
