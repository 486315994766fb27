using Microsoft.ML.Gan.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// The permutation-invariant discriminator of the paper: Gaussian noise on the input, weight-normalised dense
/// layers with ReLU and Gaussian noise after each, and a weight-normalised output layer with K logits
/// (the K+1-th "generated" logit is fixed at 0 and never materialised). With minibatch discrimination on, the last
/// hidden layer's (noisy) output gets o appended before the output layer, computed within each part of the batch in
/// training and against a stored reference batch of real rows in evaluation.
/// </summary>
internal sealed class MlpDiscriminator : DiscriminatorNetwork
{
    private readonly GaussianNoise inputNoise;
    private readonly ModuleList<WeightNormDense> hidden;
    private readonly ModuleList<GaussianNoise> hiddenNoise;
    private readonly WeightNormDense output;
    private readonly MinibatchDiscrimination? minibatch;
    private readonly Tensor? reference_rows;

    public MlpDiscriminator(long inputs, IReadOnlyList<int> hiddenSizes, long classes,
        double inputNoiseStd, double hiddenNoiseStd, double initialWeightStd, RandomGenerator random, GaussianNoiseSource noise,
        int minibatchKernels = 0, int minibatchKernelDimension = 5, int referenceRows = 100)
        : base(nameof(MlpDiscriminator), inputs, classes)
    {
        inputNoise = new GaussianNoise("input_noise", inputNoiseStd, noise);
        hidden = new ModuleList<WeightNormDense>();
        hiddenNoise = new ModuleList<GaussianNoise>();
        long previous = inputs;
        for (int i = 0; i < hiddenSizes.Count; i++)
        {
            using var direction = HeldScalars.Normal(0, initialWeightStd, [hiddenSizes[i], previous], random);
            hidden.Add(new WeightNormDense($"dense{i}", previous, hiddenSizes[i], trainScale: false, direction));
            hiddenNoise.Add(new GaussianNoise($"noise{i}", hiddenNoiseStd, noise));
            previous = hiddenSizes[i];
        }
        if (minibatchKernels > 0)
        {
            minibatch = new MinibatchDiscrimination("minibatch", previous, minibatchKernels, minibatchKernelDimension, 0.05, random);
            reference_rows = zeros(referenceRows, inputs);
            previous += minibatchKernels;
        }
        using (var direction = HeldScalars.Normal(0, initialWeightStd, [classes, previous], random))
            output = new WeightNormDense("logits", previous, classes, trainScale: true, direction);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override WeightNormDense OutputLayer => output;

    /// <summary>The K logits of each row; minibatch discrimination compares rows within each of <paramref name="parts"/>.</summary>
    public override Tensor Logits(Tensor input, IReadOnlyList<long>? parts)
    {
        if (TrainsInOneNode(input))
            return TrainingLogits.Of(input, TrainingLayers());
        using var scope = NewDisposeScope();
        var noisy = hiddenNoise[hidden.Count - 1].forward(Features(input));
        return output.forward(WithMinibatchFeatures(noisy, parts)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public override TrainingLogits.Pass? TrainingPass(Tensor input) => TrainsInOneNode(input) ? TrainingLogits.Run(input, TrainingLayers()) : null;

    /// <summary>Stores real rows (the first ones of <paramref name="rows"/>) as the reference batch of evaluation mode.</summary>
    public override void SetReference(Tensor rows)
    {
        if (reference_rows is null)
            return;
        using var _ = no_grad();
        using var first = rows.narrow(0, 0, Math.Min(rows.shape[0], reference_rows.shape[0]));
        reference_rows.narrow(0, 0, first.shape[0]).copy_(first);
    }

    /// <summary>Projections [R, B, C] of the reference rows' features without noise, as evaluation mode compares against.</summary>
    private Tensor ReferenceProjections()
    {
        using var scope = NewDisposeScope();
        bool wasTraining = training;
        eval();
        var projections = minibatch!.Project(Features(reference_rows!));
        if (wasTraining)
            train();
        return projections.MoveToOuterDisposeScope();
    }

    /// <summary>The scale of evaluation-mode sums over R reference rows so they match training sums over a batch of R.</summary>
    private double ReferenceScale => reference_rows is null ? 1 : (reference_rows.shape[0] - 1.0) / reference_rows.shape[0];

    /// <summary>Splits <paramref name="rows"/> into parts of the reference batch's size, as training batches are.</summary>
    private long[]? Batches(long rows)
    {
        if (reference_rows is null)
            return null;
        long size = reference_rows.shape[0];
        return Enumerable.Range(0, (int)((rows + size - 1) / size)).Select(i => Math.Min(size, rows - i * size)).ToArray();
    }

    private Tensor WithMinibatchFeatures(Tensor features, IReadOnlyList<long>? parts)
    {
        if (minibatch is null)
            return features.alias();
        if (!training)
        {
            using var references = ReferenceProjections();
            return minibatch.AgainstReference(features, references, ReferenceScale);
        }
        if (parts is null)
            return minibatch.forward(features);
        var pieces = new List<Tensor>();
        long start = 0;
        foreach (long size in parts)
        {
            pieces.Add(minibatch.forward(features.narrow(0, start, size)));
            start += size;
        }
        return cat(pieces, 0);
    }

    /// <summary>
    /// The last hidden layer's ReLU output, before its noise (earlier layers' noise included in training mode):
    /// the features that feature matching compares, as in the paper's MNIST code.
    /// </summary>
    public override Tensor Features(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = inputNoise.forward(input);
        for (int i = 0; i < hidden.Count; i++)
        {
            if (i > 0)
                x = hiddenNoise[i - 1].forward(x);
            x = nn.functional.relu(hidden[i].forward(x), inplace: true);
        }
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Feature matching's two passes as one (<see cref="FrozenFeatures"/>) while the layers are frozen (in bfloat16 or
    /// float32) in training mode (the generator's step); otherwise two. The generated rows are made first: this network's
    /// noise comes from its own counter-based source, not from the random numbers they are drawn with, so no value changes.
    /// </summary>
    public override (Tensor Real, Tensor Generated) MatchedFeatures(Tensor real, Func<Tensor> generate)
    {
        if (FrozenLayers(real) is not { } layers)
            return base.MatchedFeatures(real, generate);
        return FrozenFeatures.Of(real, generate(), layers);
    }

    /// <summary>
    /// Whether a pass over <paramref name="input"/> runs as <see cref="TrainingLogits"/>: in training mode on the CPU with a
    /// gradient, products in bfloat16 or float32 and the direction's gradient in one pass (the discriminator's step),
    /// without minibatch discrimination.
    /// </summary>
    internal bool TrainsInOneNode(Tensor input) =>
        training && minibatch is null && is_grad_enabled() && input.device.type == DeviceType.CPU && input.dtype == ScalarType.Float32
        && hidden.Append(output).All(l => l.ProductType is ScalarType.BFloat16 or ScalarType.Float32 && l.DirectionGradientInOnePass && l.FrozenWeight is null && l.Direction.requires_grad);

    /// <summary>Every layer for <see cref="TrainingLogits"/>, each given its leaves for this pass.</summary>
    private TrainingLogits.Layer[] TrainingLayers() =>
        hidden.Append(output).Select((layer, i) =>
            new TrainingLogits.Layer(NoiseBefore(i), layer.TrainingLeaves(), layer.Scale, layer.Bias, Rectified: layer != output)).ToArray();

    /// <summary>
    /// The hidden layers for <see cref="FrozenFeatures"/>: in training mode on the CPU, with every weight frozen in
    /// bfloat16 or float32 (the generator's step); null otherwise.
    /// </summary>
    internal FrozenFeatures.Layer[]? FrozenLayers(Tensor input)
    {
        if (!training || hidden.Count == 0 || input.device.type != DeviceType.CPU || input.dtype != ScalarType.Float32
            || hidden.Any(l => l.FrozenWeight?.dtype is not (ScalarType.BFloat16 or ScalarType.Float32)))
            return null;
        return hidden.Select((layer, i) => new FrozenFeatures.Layer(NoiseBefore(i), layer.FrozenWeight!, layer.Bias)).ToArray();
    }

    /// <summary>The noise on layer <paramref name="i"/>'s input (the output layer's is the last hidden layer's) when it adds any; null otherwise.</summary>
    private GaussianNoise? NoiseBefore(int i)
    {
        var noise = i == 0 ? inputNoise : hiddenNoise[i - 1];
        return noise.IsActive ? noise : null;
    }

    /// <summary>
    /// Adds the layers as evaluation mode runs them (no noise): each hidden layer with its ReLU, minibatch discrimination
    /// against the reference batch's projections as constants, and the output layer.
    /// </summary>
    public override string AddTo(OnnxGraphBuilder graph, string input, string prefix)
    {
        string x = input;
        for (int i = 0; i < hidden.Count; i++)
        {
            string linear = hidden[i].AddTo(graph, x, $"{prefix}W{i}", $"{prefix}B{i}", $"{prefix}matmul{i}", $"{prefix}linear{i}");
            x = $"{prefix}relu{i}";
            graph.AddNode("Relu", [linear], [x]);
        }
        if (minibatch is not null)
        {
            using var references = ReferenceProjections();
            x = minibatch.AddTo(graph, x, references, ReferenceScale, prefix);
        }
        int last = hidden.Count;
        return output.AddTo(graph, x, $"{prefix}W{last}", $"{prefix}B{last}", $"{prefix}matmul{last}", $"{prefix}logits");
    }

    /// <summary>
    /// Data-dependent initialisation over one batch, layer by layer, in training mode (noise on), as in the
    /// official code: each layer's g and b are set so that its pre-activations on this batch are standardised.
    /// </summary>
    public override void InitializeFrom(Tensor batch)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = inputNoise.forward(batch);
        for (int i = 0; i < hidden.Count; i++)
            x = hiddenNoise[i].forward(nn.functional.relu(hidden[i].InitializeFrom(x)));
        output.InitializeFrom(WithMinibatchFeatures(x, Batches(batch.shape[0])));
    }
}
