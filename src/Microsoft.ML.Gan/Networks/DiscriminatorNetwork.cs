using Microsoft.ML.Gan.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// What training, averaging, checkpoints and scoring need from a discriminator, whatever its layers: K logits per
/// row (the K+1-th "generated" logit fixed at 0), the features that feature matching compares, and data-dependent
/// initialisation. Rows come in flat, [n, InputSize].
/// </summary>
internal abstract class DiscriminatorNetwork : nn.Module<Tensor, Tensor>
{
    protected DiscriminatorNetwork(string name, long inputSize, long classCount) : base(name)
    {
        InputSize = inputSize;
        ClassCount = classCount;
    }

    /// <summary>Length of an input row.</summary>
    public long InputSize { get; }

    /// <summary>K, the number of logits.</summary>
    public long ClassCount { get; }

    /// <summary>The weight-normalised dense layer that gives the K logits.</summary>
    public abstract WeightNormDense OutputLayer { get; }

    /// <summary>The K logits of each row, the whole input taken as one batch.</summary>
    public override Tensor forward(Tensor input) => Logits(input, null);

    /// <summary>
    /// The K logits of each row. <paramref name="parts"/> gives the sizes of the separate batches stacked in
    /// <paramref name="input"/> (labeled, unlabeled, generated), for layers that compare rows within a batch.
    /// </summary>
    public abstract Tensor Logits(Tensor input, IReadOnlyList<long>? parts);

    /// <summary>The intermediate features whose batch means feature matching compares.</summary>
    public abstract Tensor Features(Tensor input);

    /// <summary>
    /// The logits of a training pass over <paramref name="input"/> outside autograd, for a step that computes its loss's
    /// gradient itself (<see cref="TrainingLogits.Pass"/>); null where the network trains only through autograd.
    /// </summary>
    public virtual TrainingLogits.Pass? TrainingPass(Tensor input) => null;

    /// <summary>
    /// Feature matching's two passes: the <see cref="Features"/> of <paramref name="real"/> without a gradient, then those
    /// of the rows <paramref name="generate"/> returns, with one; here two passes in that order.
    /// </summary>
    public virtual (Tensor Real, Tensor Generated) MatchedFeatures(Tensor real, Func<Tensor> generate)
    {
        Tensor realFeatures;
        using (no_grad())
            realFeatures = Features(real);
        return (realFeatures, Features(generate()));
    }

    /// <summary>Data-dependent initialisation of the weight-normalised layers on one batch of real rows.</summary>
    public abstract void InitializeFrom(Tensor batch);

    /// <summary>
    /// Adds the layers from <paramref name="input"/> [N, InputSize] to the K logits to <paramref name="graph"/>, as
    /// evaluation mode computes them, with the weight norm folded into plain weights; every tensor's name starts with
    /// <paramref name="prefix"/>. Returns the name of the logits [N, K].
    /// </summary>
    public abstract string AddTo(OnnxGraphBuilder graph, string input, string prefix);

    /// <summary>
    /// Folds every weight-normalised dense layer's weight once, for a stretch in which the weights do not change;
    /// <see cref="ThawWeights"/> ends it.
    /// </summary>
    public void FreezeWeights()
    {
        foreach (var layer in modules().OfType<WeightNormDense>())
            layer.Freeze();
    }

    /// <summary>Ends <see cref="FreezeWeights"/>.</summary>
    public void ThawWeights()
    {
        foreach (var layer in modules().OfType<WeightNormDense>())
            layer.Thaw();
    }

    /// <summary>Stores real rows as the reference batch of layers that need one for scoring; by default nothing.</summary>
    public virtual void SetReference(Tensor rows)
    {
    }
}
