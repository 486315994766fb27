using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// CatGAN's terms on real rows (Springenberg, 2016): the discriminator should be certain of each unlabeled row's class
/// and spread the rows over the classes as the labeled rows are spread. From the K real-class probabilities p of a batch
/// of unlabeled rows (the softmax of the K logits), the term is KL(m || pi) + mean over rows of H(p): m is the batch's
/// class shares (the mean of p), pi the labeled rows' class shares (each count plus one, so a class without labeled
/// rows keeps a share). With uniform pi it is the negative mutual information between a row and its class, up to a
/// constant. The balance alone is met by making every row uncertain; the entropy forbids that.
/// </summary>
internal sealed class MutualInformationLoss : IDisposable
{
    /// <summary>The least probability whose logarithm is taken, so that 0 log 0 counts 0.</summary>
    private static readonly Scalar TinyProbability = 1e-30.ToScalar();

    private readonly Tensor _logPrior;

    /// <summary>The target shares from <paramref name="labeledPerClass"/>, on <paramref name="device"/>.</summary>
    public MutualInformationLoss(IReadOnlyList<int> labeledPerClass, Device device)
    {
        double total = labeledPerClass.Sum() + labeledPerClass.Count;
        _logPrior = tensor(labeledPerClass.Select(n => (float)Math.Log((n + 1) / total)).ToArray(), device: device);
    }

    /// <summary>KL(m || pi) + mean H(p) for the unlabeled rows' K <paramref name="logits"/>.</summary>
    public Tensor Compute(Tensor logits)
    {
        using var scope = NewDisposeScope();
        return Balance(logits).add(Entropy(logits)).MoveToOuterDisposeScope();
    }

    /// <summary>KL(m || pi): how far the batch's class shares are from the labeled rows'.</summary>
    public Tensor Balance(Tensor logits)
    {
        using var scope = NewDisposeScope();
        var shares = logits.softmax(1).mean([0]);
        var logShares = shares.clamp_min(TinyProbability).log();
        return shares.mul(logShares.sub(_logPrior)).sum().MoveToOuterDisposeScope();
    }

    /// <summary>The mean over rows of the entropy of their K class probabilities.</summary>
    public static Tensor Entropy(Tensor logits)
    {
        using var scope = NewDisposeScope();
        var logP = logits.log_softmax(1);
        return logP.exp().mul(logP).sum(1).mean().neg().MoveToOuterDisposeScope();
    }

    public void Dispose() => _logPrior.Dispose();
}
