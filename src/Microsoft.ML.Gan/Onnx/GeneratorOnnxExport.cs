using Microsoft.ML.Gan.Data;
using Microsoft.ML.Gan.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Onnx;

/// <summary>
/// Writes a trained generator as an ONNX model: input <c>Noise</c> [N, NoiseSize] (z ~ U[0,1)), for a conditional
/// generator a second input <c>Class</c> [N, K] (one-hot, concatenated after z), output
/// <c>Features</c> [N, features] in [0, 1]. Each hidden layer is MatMul, the batch norm with its frozen statistics (or
/// virtual batch norm with the reference batch's statistics as constants), and Softplus; the output layer has its
/// weight norm folded in and a Sigmoid (or, for standardised features, no Sigmoid and the standardisation inverted:
/// z * std + mean). Convolutional generators: <see cref="ConvGeneratorOnnx"/>.
/// </summary>
internal static class GeneratorOnnxExport
{
    public const string NoiseInput = "Noise";
    public const string ClassInput = "Class";

    /// <summary>
    /// Hidden layers with virtual batch norm: mu = (x + n m) / (n + 1), s = (x^2 + n q) / (n + 1),
    /// y = (x - mu) / sqrt(s - mu^2 + eps) + beta, m and q the reference batch's mean and mean square at that layer.
    /// </summary>
    private static string AddVirtualLayers(OnnxGraphBuilder graph, MlpGenerator generator, string x)
    {
        using var scope = NewDisposeScope();
        long n = generator.ReferenceCount;
        float own = 1f / (n + 1);
        int i = 0;
        foreach (var (weight, norm, mean, meanSquare) in generator.VirtualLayers())
        {
            var transposed = weight.detach().t().contiguous();
            string p = $"v{i}_";
            graph.AddInitializer($"{p}W", transposed.data<float>().ToArray(), transposed.shape[0], transposed.shape[1]);
            using var count = n.ToScalar();
            graph.AddInitializer($"{p}nm", mean.mul(count).contiguous().data<float>().ToArray(), mean.shape[0]);
            graph.AddInitializer($"{p}nq", meanSquare.mul(count).contiguous().data<float>().ToArray(), meanSquare.shape[0]);
            graph.AddInitializer($"{p}own", [own], 1);
            graph.AddInitializer($"{p}eps", [(float)norm.Epsilon], 1);
            graph.AddInitializer($"{p}beta", norm.Bias.detach().contiguous().data<float>().ToArray(), norm.Bias.shape[0]);
            graph.AddNode("MatMul", [x, $"{p}W"], [$"{p}h"]);
            graph.AddNode("Add", [$"{p}h", $"{p}nm"], [$"{p}sum"]);
            graph.AddNode("Mul", [$"{p}sum", $"{p}own"], [$"{p}mean"]);
            graph.AddNode("Mul", [$"{p}h", $"{p}h"], [$"{p}square"]);
            graph.AddNode("Add", [$"{p}square", $"{p}nq"], [$"{p}sumsq"]);
            graph.AddNode("Mul", [$"{p}sumsq", $"{p}own"], [$"{p}meansq"]);
            graph.AddNode("Mul", [$"{p}mean", $"{p}mean"], [$"{p}mean2"]);
            graph.AddNode("Sub", [$"{p}meansq", $"{p}mean2"], [$"{p}var"]);
            graph.AddNode("Add", [$"{p}var", $"{p}eps"], [$"{p}vareps"]);
            graph.AddNode("Sqrt", [$"{p}vareps"], [$"{p}sd"]);
            graph.AddNode("Sub", [$"{p}h", $"{p}mean"], [$"{p}centered"]);
            graph.AddNode("Div", [$"{p}centered", $"{p}sd"], [$"{p}normalized"]);
            graph.AddNode("Add", [$"{p}normalized", $"{p}beta"], [$"{p}shifted"]);
            graph.AddNode("Softplus", [$"{p}shifted"], [$"{p}out"]);
            x = $"{p}out";
            i++;
        }
        return x;
    }

    public static byte[] Build(GeneratorNetwork generator, string outputName, FeatureStandardization? standardization = null) => generator switch
    {
        MlpGenerator mlp => BuildMlp(mlp, outputName, standardization),
        ConvGenerator conv => ConvGeneratorOnnx.Build(conv, outputName),
        _ => throw new NotSupportedException($"No ONNX export for {generator.GetType().Name}."),
    };

    private static byte[] BuildMlp(MlpGenerator generator, string outputName, FeatureStandardization? standardization)
    {
        var graph = new OnnxGraphBuilder("SemiSupervisedGanGenerator");
        graph.AddInput(NoiseInput, OnnxElementType.Float, -1, generator.NoiseSize);
        string x = NoiseInput;
        if (generator.ClassCount > 0)
        {
            graph.AddInput(ClassInput, OnnxElementType.Float, -1, generator.ClassCount);
            graph.AddNode("Concat", [NoiseInput, ClassInput], ["conditioned"], OnnxAttribute.Int("axis", 1));
            x = "conditioned";
        }
        if (generator.UsesVirtualBatchNorm)
            x = AddVirtualLayers(graph, generator, x);
        int i = 0;
        foreach (var (weight, norm) in generator.HiddenLayers)
        {
            if (!norm.IsFrozen)
                throw new InvalidOperationException("The generator's batch-norm statistics are not frozen; call FreezeStatistics after training.");
            using var transposed = weight.detach().t().contiguous();
            var (mean, variance) = norm.FrozenStatistics;
            using var epsilon = norm.Epsilon.ToScalar();
            using var inverseStd = variance.add(epsilon, HeldScalars.One).rsqrt();
            using var shift = norm.Bias.detach().sub(mean.mul(inverseStd)).contiguous();
            graph.AddInitializer($"W{i}", transposed.data<float>().ToArray(), transposed.shape[0], transposed.shape[1]);
            graph.AddInitializer($"scale{i}", inverseStd.contiguous().data<float>().ToArray(), inverseStd.shape[0]);
            graph.AddInitializer($"shift{i}", shift.data<float>().ToArray(), shift.shape[0]);
            graph.AddNode("MatMul", [x, $"W{i}"], [$"linear{i}"]);
            graph.AddNode("Mul", [$"linear{i}", $"scale{i}"], [$"scaled{i}"]);
            graph.AddNode("Add", [$"scaled{i}", $"shift{i}"], [$"normalized{i}"]);
            graph.AddNode("Softplus", [$"normalized{i}"], [$"hidden{i}"]);
            x = $"hidden{i}";
            i++;
        }
        var output = generator.OutputLayer;
        using var folded = output.FoldedWeight();
        using var outputWeight = folded.t().contiguous();
        using var outputBias = output.Bias.detach().contiguous();
        graph.AddInitializer("W_out", outputWeight.data<float>().ToArray(), output.InputSize, output.OutputSize);
        graph.AddInitializer("B_out", outputBias.data<float>().ToArray(), output.OutputSize);
        graph.AddNode("MatMul", [x, "W_out"], ["pixels_linear"]);
        graph.AddNode("Add", ["pixels_linear", "B_out"], ["pixels_logits"]);
        if (standardization is not null)
            standardization.AddInverseToOnnx(graph, "pixels_logits", outputName);
        else if (generator.LinearOutput)
            graph.AddNode("Identity", ["pixels_logits"], [outputName]);
        else
            graph.AddNode("Sigmoid", ["pixels_logits"], [outputName]);
        graph.AddOutput(outputName, OnnxElementType.Float, -1, output.OutputSize);
        return graph.ToBytes();
    }
}
