using Microsoft.ML.Gan.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Onnx;

/// <summary>
/// Writes a trained discriminator as an ONNX classifier: the weight norm folded into plain weights, no noise,
/// ReLU between layers, softmax over the K logits.
/// </summary>
internal static class DiscriminatorOnnxExport
{
    /// <summary>Name of the batched model's output with the predicted label value of each row.</summary>
    public const string PredictedLabelOutput = "PredictedLabel";

    /// <summary>Name of the single-row model's output with the class probabilities.</summary>
    public const string ProbabilitiesOutput = "Score.Probabilities";

    /// <summary>Name of the single-row model's output with the one-hot indicator of the most probable class.</summary>
    public const string IndicatorOutput = "PredictedLabel.Indicator";

    /// <summary>
    /// The model users export: input [N, features]; outputs <c>Score</c> [N, K] (class probabilities) and
    /// <c>PredictedLabel</c> [N] (the label value of the most probable class, of the label's own type).
    /// </summary>
    public static byte[] BuildBatched(MlpDiscriminator discriminator, string inputName, LabelValues labels)
    {
        var graph = Classifier(discriminator, inputName);
        graph.AddNode("Softmax", ["logits"], [ColumnNames.Score], OnnxAttribute.Int("axis", 1));
        graph.AddOutput(ColumnNames.Score, OnnxElementType.Float, -1, discriminator.ClassCount);
        graph.AddNode("ArgMax", ["logits"], ["class_index"], OnnxAttribute.Int("axis", 1), OnnxAttribute.Int("keepdims", 0));
        labels.AddInitializer(graph, "label_values");
        graph.AddNode("Gather", ["label_values", "class_index"], [PredictedLabelOutput], OnnxAttribute.Int("axis", 0));
        graph.AddOutput(PredictedLabelOutput, labels.ElementType, -1);
        return graph.ToBytes();
    }

    /// <summary>
    /// The model ML.NET's OnnxTransformer runs (row by row): input [1, features]; outputs the probabilities [K] and
    /// the one-hot indicator [K] of the most probable class. Both are vectors because OnnxTransformer cannot
    /// return scalar outputs; the indicator becomes the scalar PredictedLabel key downstream.
    /// </summary>
    public static byte[] BuildSingleRow(MlpDiscriminator discriminator, string inputName)
    {
        var graph = Classifier(discriminator, inputName);
        long classes = discriminator.ClassCount;
        graph.AddNode("Softmax", ["logits"], ["probabilities"], OnnxAttribute.Int("axis", 1));
        graph.AddInitializer("row_shape", [classes], 1);
        graph.AddNode("Reshape", ["probabilities", "row_shape"], [ProbabilitiesOutput]);
        graph.AddOutput(ProbabilitiesOutput, OnnxElementType.Float, classes);
        graph.AddNode("ArgMax", ["logits"], ["class_index"], OnnxAttribute.Int("axis", 1), OnnxAttribute.Int("keepdims", 0));
        graph.AddInitializer("depth", [classes], 1);
        graph.AddInitializer("off_on", [0f, 1f], 2);
        graph.AddNode("OneHot", ["class_index", "depth", "off_on"], ["indicator"], OnnxAttribute.Int("axis", -1));
        graph.AddNode("Reshape", ["indicator", "row_shape"], [IndicatorOutput]);
        graph.AddOutput(IndicatorOutput, OnnxElementType.Float, classes);
        return graph.ToBytes();
    }

    /// <summary>The layers up to the K logits, named "logits".</summary>
    private static OnnxGraphBuilder Classifier(MlpDiscriminator discriminator, string inputName)
    {
        var graph = new OnnxGraphBuilder("SemiSupervisedGanDiscriminator");
        graph.AddInput(inputName, OnnxElementType.Float, -1, discriminator.InputSize);
        string x = inputName;
        var layers = discriminator.DenseLayers.ToArray();
        for (int i = 0; i < layers.Length; i++)
        {
            using var weight = layers[i].FoldedWeight();
            using var transposed = weight.t().contiguous();
            using var bias = layers[i].Bias.detach().contiguous();
            graph.AddInitializer($"W{i}", transposed.data<float>().ToArray(), layers[i].InputSize, layers[i].OutputSize);
            graph.AddInitializer($"B{i}", bias.data<float>().ToArray(), layers[i].OutputSize);
            graph.AddNode("MatMul", [x, $"W{i}"], [$"matmul{i}"]);
            string preActivation = i == layers.Length - 1 ? "logits" : $"linear{i}";
            graph.AddNode("Add", [$"matmul{i}", $"B{i}"], [preActivation]);
            if (i < layers.Length - 1)
            {
                graph.AddNode("Relu", [preActivation], [$"relu{i}"]);
                x = $"relu{i}";
            }
        }
        return graph;
    }
}
