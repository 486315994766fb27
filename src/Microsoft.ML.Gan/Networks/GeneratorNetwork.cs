using Microsoft.ML.Gan.Data;
using Microsoft.ML.Gan.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// What training, checkpoints and generation need from a generator, whatever its layers: it maps noise
/// z ~ U[0,1)^NoiseSize (followed, for a class-conditional generator, by a one-hot class vector of length ClassCount) to
/// flat rows [n, OutputSize] in [0, 1], and can fix its batch-norm statistics after training.
/// </summary>
internal abstract class GeneratorNetwork : nn.Module<Tensor, Tensor>
{
    protected GeneratorNetwork(string name, long noiseSize, long outputSize, long classCount = 0) : base(name)
    {
        NoiseSize = noiseSize;
        OutputSize = outputSize;
        ClassCount = classCount;
    }

    /// <summary>Name of the ONNX model's noise input, z ~ U[0,1)^NoiseSize.</summary>
    public const string NoiseInput = "Noise";

    /// <summary>Name of a conditional generator's ONNX input with the one-hot class, [N, K].</summary>
    public const string ClassInput = "Class";

    /// <summary>Name of the samples in standardised units, before <see cref="ToOnnx"/> maps them back to the features' units.</summary>
    private const string StandardizedSamples = "standardized_samples";

    /// <summary>Length of the noise vector z.</summary>
    public long NoiseSize { get; }

    /// <summary>Output length: the features of one sample.</summary>
    public long OutputSize { get; }

    /// <summary>K, the length of the one-hot class vector after z; 0 for an unconditional generator.</summary>
    public long ClassCount { get; }

    /// <summary>
    /// Fixes every batch norm's statistics to those of <paramref name="count"/> samples, so that in evaluation mode a
    /// sample depends only on its own noise.
    /// </summary>
    public abstract void FreezeStatistics(long count, RandomGenerator random);

    /// <summary>
    /// Adds the layers from <paramref name="input"/> (z, then the one-hot class when conditional) to the samples, named
    /// <paramref name="samples"/>, as evaluation mode computes them with the frozen batch-norm statistics.
    /// </summary>
    public abstract void AddTo(OnnxGraphBuilder graph, string input, string samples);

    /// <summary>
    /// The generator as an ONNX model: input <see cref="NoiseInput"/> [N, NoiseSize], for a conditional generator
    /// <see cref="ClassInput"/> [N, K] concatenated after it, and output <paramref name="outputName"/> [N, OutputSize];
    /// with <paramref name="standardization"/>, the samples are mapped back to the features' units (z * std + mean).
    /// </summary>
    public byte[] ToOnnx(string outputName, FeatureStandardization? standardization = null)
    {
        var graph = new OnnxGraphBuilder("SemiSupervisedGanGenerator");
        graph.AddInput(NoiseInput, OnnxElementType.Float, -1, NoiseSize);
        string input = NoiseInput;
        if (ClassCount > 0)
        {
            graph.AddInput(ClassInput, OnnxElementType.Float, -1, ClassCount);
            input = "conditioned";
            graph.AddNode("Concat", [NoiseInput, ClassInput], [input], OnnxAttribute.Int("axis", 1));
        }
        if (standardization is null)
        {
            AddTo(graph, input, outputName);
        }
        else
        {
            AddTo(graph, input, StandardizedSamples);
            standardization.AddInverseToOnnx(graph, StandardizedSamples, outputName);
        }
        graph.AddOutput(outputName, OnnxElementType.Float, -1, OutputSize);
        return graph.ToBytes();
    }

    /// <summary>Draws z ~ U[0,1)^NoiseSize (and uniform classes when conditional) for <paramref name="count"/> samples and generates them.</summary>
    public Tensor Sample(long count, RandomGenerator random)
    {
        using var input = Input(count, random);
        return call(input);
    }

    /// <summary>Generates one sample of each class index in <paramref name="classes"/> (int64, [n]) from fresh noise z ~ U[0,1)^NoiseSize.</summary>
    public Tensor Sample(Tensor classes, RandomGenerator random)
    {
        using var z = rand([classes.shape[0], NoiseSize], generator: random, device: classes.device);
        using var input = Condition(z, classes);
        return call(input);
    }

    /// <summary>The input of a conditional generator: z [n, NoiseSize] followed by the one-hot vectors of <paramref name="classes"/> (int64, [n]).</summary>
    public Tensor Condition(Tensor z, Tensor classes)
    {
        using var oneHot = nn.functional.one_hot(classes, ClassCount);
        using var floats = oneHot.to_type(z.dtype);
        return cat([z, floats], 1);
    }

    /// <summary>Inputs for <paramref name="count"/> samples: z ~ U[0,1)^NoiseSize, followed when conditional by uniformly drawn classes' one-hot vectors.</summary>
    protected Tensor Input(long count, RandomGenerator random, Device? device = null)
    {
        var z = rand([count, NoiseSize], generator: random, device: device);
        if (ClassCount == 0)
            return z;
        using (z)
        using (var classes = randint(ClassCount, [count], generator: random, device: device))
            return Condition(z, classes);
    }
}
