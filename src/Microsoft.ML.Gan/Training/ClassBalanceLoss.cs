using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// The class balance of CatGAN (Springenberg, 2016), as a divergence: the discriminator's K real-class probabilities
/// (the softmax of its K logits) averaged over a batch of unlabeled rows give the batch's class shares m, and the term
/// is KL(m || pi) against the labeled rows' class shares pi (each count plus one, so a class without labeled rows keeps
/// a share). A classifier that hands a cluster of one class to another moves m away from pi; the term pushes the rows
/// nearest the boundary back. It is zero when the batch's shares equal pi.
/// </summary>
internal sealed class ClassBalanceLoss : IDisposable
{
    /// <summary>The least share whose logarithm is taken, so a class no row is given costs nothing instead of 0 log 0.</summary>
    private static readonly Scalar TinyShare = 1e-30.ToScalar();

    private readonly Tensor _logPrior;

    /// <summary>The target shares from <paramref name="labeledPerClass"/>, on <paramref name="device"/>.</summary>
    public ClassBalanceLoss(IReadOnlyList<int> labeledPerClass, Device device)
    {
        double total = labeledPerClass.Sum() + labeledPerClass.Count;
        _logPrior = tensor(labeledPerClass.Select(n => (float)Math.Log((n + 1) / total)).ToArray(), device: device);
    }

    /// <summary>KL(m || pi) for the unlabeled rows' K <paramref name="logits"/>.</summary>
    public Tensor Compute(Tensor logits)
    {
        using var scope = NewDisposeScope();
        var shares = logits.softmax(1).mean([0]);
        var logShares = shares.clamp_min(TinyShare).log();
        return shares.mul(logShares.sub(_logPrior)).sum().MoveToOuterDisposeScope();
    }

    public void Dispose() => _logPrior.Dispose();
}
