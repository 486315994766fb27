using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// The permutation-invariant discriminator of the paper: Gaussian noise on the input, weight-normalised dense
/// layers with ReLU and Gaussian noise after each, and a weight-normalised output layer with K logits
/// (the K+1-th "generated" logit is fixed at 0 and never materialised).
/// </summary>
internal sealed class MlpDiscriminator : nn.Module<Tensor, Tensor>
{
    private readonly GaussianNoise inputNoise;
    private readonly ModuleList<WeightNormDense> hidden;
    private readonly ModuleList<GaussianNoise> hiddenNoise;
    private readonly WeightNormDense output;

    public MlpDiscriminator(long inputs, IReadOnlyList<int> hiddenSizes, long classes,
        double inputNoiseStd, double hiddenNoiseStd, double initialWeightStd, Generator random)
        : base(nameof(MlpDiscriminator))
    {
        inputNoise = new GaussianNoise("input_noise", inputNoiseStd, random);
        hidden = new ModuleList<WeightNormDense>();
        hiddenNoise = new ModuleList<GaussianNoise>();
        long previous = inputs;
        for (int i = 0; i < hiddenSizes.Count; i++)
        {
            using var direction = normal(0, initialWeightStd, [hiddenSizes[i], previous], generator: random);
            hidden.Add(new WeightNormDense($"dense{i}", previous, hiddenSizes[i], trainScale: false, direction));
            hiddenNoise.Add(new GaussianNoise($"noise{i}", hiddenNoiseStd, random));
            previous = hiddenSizes[i];
        }
        using (var direction = normal(0, initialWeightStd, [classes, previous], generator: random))
            output = new WeightNormDense("logits", previous, classes, trainScale: true, direction);
        InputSize = inputs;
        ClassCount = classes;
        RegisterComponents();
    }

    public long InputSize { get; }

    public long ClassCount { get; }

    /// <summary>The dense layers in order, the output layer last.</summary>
    public IEnumerable<WeightNormDense> DenseLayers => hidden.Append(output);

    /// <summary>The K logits of each row.</summary>
    public override Tensor forward(Tensor input)
    {
        using var features = Features(input);
        using var noisy = hiddenNoise[hidden.Count - 1].forward(features);
        return output.forward(noisy);
    }

    /// <summary>
    /// The last hidden layer's ReLU output, before its noise (earlier layers' noise included in training mode):
    /// the features that feature matching compares, as in the paper's MNIST code.
    /// </summary>
    public Tensor Features(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = inputNoise.forward(input);
        for (int i = 0; i < hidden.Count; i++)
        {
            if (i > 0)
                x = hiddenNoise[i - 1].forward(x);
            x = nn.functional.relu(hidden[i].forward(x));
        }
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Data-dependent initialisation over one batch, layer by layer, in training mode (noise on), as in the
    /// official code: each layer's g and b are set so that its pre-activations on this batch are standardised.
    /// </summary>
    public void InitializeFrom(Tensor batch)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = inputNoise.forward(batch);
        for (int i = 0; i < hidden.Count; i++)
            x = hiddenNoise[i].forward(nn.functional.relu(hidden[i].InitializeFrom(x)));
        output.InitializeFrom(x);
    }
}
