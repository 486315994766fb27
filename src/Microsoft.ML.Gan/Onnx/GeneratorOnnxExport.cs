using Microsoft.ML.Gan.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Onnx;

/// <summary>
/// Writes a trained generator as an ONNX model: input <c>Noise</c> [N, NoiseSize] (z ~ U[0,1)), output
/// <c>Features</c> [N, features] in [0, 1]. Each hidden layer is MatMul, the batch norm with its frozen statistics,
/// and Softplus; the output layer has its weight norm folded in and a Sigmoid.
/// </summary>
internal static class GeneratorOnnxExport
{
    public const string NoiseInput = "Noise";

    public static byte[] Build(MlpGenerator generator, string outputName)
    {
        var graph = new OnnxGraphBuilder("SemiSupervisedGanGenerator");
        graph.AddInput(NoiseInput, OnnxElementType.Float, -1, generator.NoiseSize);
        string x = NoiseInput;
        int i = 0;
        foreach (var (weight, norm) in generator.HiddenLayers)
        {
            if (!norm.IsFrozen)
                throw new InvalidOperationException("The generator's batch-norm statistics are not frozen; call FreezeStatistics after training.");
            using var transposed = weight.detach().t().contiguous();
            var (mean, variance) = norm.FrozenStatistics;
            using var inverseStd = variance.add(norm.Epsilon).rsqrt();
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
        graph.AddNode("Sigmoid", ["pixels_logits"], [outputName]);
        graph.AddOutput(outputName, OnnxElementType.Float, -1, output.OutputSize);
        return graph.ToBytes();
    }
}
