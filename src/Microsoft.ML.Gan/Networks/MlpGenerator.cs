using Microsoft.ML.Gan.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// The generator of the paper's MNIST code: z ~ U[0,1)^NoiseSize, dense layers without bias followed by
/// bias-only batch normalisation and softplus, and a weight-normalised dense output layer with a sigmoid,
/// so that samples lie in [0,1] like the scaled pixels; for standardised features the output layer is linear instead
/// (<see cref="LinearOutput"/>), so samples can reach any value. With virtual batch normalisation, the batch norms are replaced
/// by <see cref="VirtualBatchNorm"/> against a reference batch of noise drawn once at construction. A class-conditional
/// generator (ClassCount K &gt; 0) takes z followed by a one-hot class vector of length K.
/// </summary>
internal sealed class MlpGenerator : GeneratorNetwork
{
    private readonly ModuleList<Linear> hidden;
    private readonly ModuleList<BiasOnlyBatchNorm> norms;
    private readonly ModuleList<VirtualBatchNorm> virtualNorms;
    private readonly Tensor? reference_noise;
    private readonly WeightNormDense output;

    public MlpGenerator(long noiseSize, IReadOnlyList<int> hiddenSizes, long outputs, RandomGenerator random, int virtualBatchNormReference = 0, int classCount = 0,
        bool linearOutput = false)
        : base(nameof(MlpGenerator), noiseSize, outputs, classCount)
    {
        LinearOutput = linearOutput;
        hidden = new ModuleList<Linear>();
        norms = new ModuleList<BiasOnlyBatchNorm>();
        virtualNorms = new ModuleList<VirtualBatchNorm>();
        long previous = noiseSize + classCount;
        for (int i = 0; i < hiddenSizes.Count; i++)
        {
            var layer = nn.Linear(previous, hiddenSizes[i], hasBias: false);
            using (no_grad())
                GlorotUniform(layer.weight!, random);
            hidden.Add(layer);
            if (virtualBatchNormReference > 0)
                virtualNorms.Add(new VirtualBatchNorm($"vbn{i}", hiddenSizes[i]));
            else
                norms.Add(new BiasOnlyBatchNorm($"norm{i}", hiddenSizes[i]));
            previous = hiddenSizes[i];
        }
        if (virtualBatchNormReference > 0)
            reference_noise = Input(virtualBatchNormReference, random);
        using (var direction = empty([outputs, previous]))
        {
            GlorotUniform(direction, random);
            output = new WeightNormDense("pixels", previous, outputs, trainScale: true, direction);
        }
        RegisterComponents();
    }

    /// <summary>Whether the output layer is linear (standardised features) rather than a sigmoid (pixels in [0, 1]).</summary>
    public bool LinearOutput { get; }

    /// <summary>Maps inputs (shape [n, NoiseSize + ClassCount]: z, then the one-hot class) to samples (shape [n, outputs]) in [0,1], or unbounded with a linear output.</summary>
    public override Tensor forward(Tensor z)
    {
        using var scope = NewDisposeScope();
        var x = z;
        if (reference_noise is null)
        {
            for (int i = 0; i < hidden.Count; i++)
                x = norms[i].ForwardSoftplus(hidden[i].forward(x));
        }
        else
        {
            var reference = reference_noise;
            long count = reference_noise.shape[0];
            for (int i = 0; i < hidden.Count; i++)
            {
                var (normalized, mean, meanSquare) = virtualNorms[i].Reference(hidden[i].forward(reference));
                x = HeldScalars.Softplus(virtualNorms[i].Normalize(hidden[i].forward(x), mean, meanSquare, count));
                reference = HeldScalars.Softplus(normalized);
            }
        }
        var logits = output.forward(x);
        return (LinearOutput ? logits : nn.functional.sigmoid(logits)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Adds the layers as evaluation mode runs them: each hidden layer's MatMul, then its batch norm with the frozen
    /// statistics, or its virtual batch norm with the reference batch's statistics at that layer as constants, and
    /// softplus; the output layer, and its sigmoid unless the output is linear.
    /// </summary>
    public override void AddTo(OnnxGraphBuilder graph, string input, string samples)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        string x = input;
        if (reference_noise is null)
        {
            for (int i = 0; i < hidden.Count; i++)
            {
                graph.AddInitializer($"W{i}", hidden[i].weight!.t());
                graph.AddNode("MatMul", [x, $"W{i}"], [$"linear{i}"]);
                string normalized = norms[i].AddTo(graph, $"linear{i}", $"scale{i}", $"shift{i}", $"scaled{i}", $"normalized{i}");
                x = $"hidden{i}";
                graph.AddNode("Softplus", [normalized], [x]);
            }
        }
        else
        {
            var reference = reference_noise;
            long count = reference_noise.shape[0];
            for (int i = 0; i < hidden.Count; i++)
            {
                string prefix = $"v{i}_";
                graph.AddInitializer($"{prefix}W", hidden[i].weight!.t());
                graph.AddNode("MatMul", [x, $"{prefix}W"], [$"{prefix}h"]);
                var (normalized, mean, meanSquare) = virtualNorms[i].Reference(hidden[i].forward(reference));
                string shifted = virtualNorms[i].AddTo(graph, $"{prefix}h", mean, meanSquare, count, prefix);
                x = $"{prefix}out";
                graph.AddNode("Softplus", [shifted], [x]);
                reference = HeldScalars.Softplus(normalized);
            }
        }
        string logits = output.AddTo(graph, x, "W_out", "B_out", "pixels_linear", LinearOutput ? samples : "pixels_logits");
        if (!LinearOutput)
            graph.AddNode("Sigmoid", [logits], [samples]);
    }

    /// <summary>
    /// Fixes every batch norm's statistics to those of <paramref name="count"/> samples. Virtual batch normalisation
    /// needs nothing: it depends on the sample and the fixed reference batch only.
    /// </summary>
    public override void FreezeStatistics(long count, RandomGenerator random)
    {
        if (reference_noise is not null)
            return;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = Input(count, random, device: output.Bias.device);
        for (int i = 0; i < hidden.Count; i++)
        {
            var linear = hidden[i].forward(x);
            norms[i].Freeze(linear);
            x = norms[i].ForwardSoftplus(linear);
        }
    }

    private static void GlorotUniform(Tensor weight, RandomGenerator random)
    {
        double limit = Math.Sqrt(6.0 / (weight.shape[0] + weight.shape[1]));
        weight.uniform_(-limit, limit, generator: random);
    }
}
