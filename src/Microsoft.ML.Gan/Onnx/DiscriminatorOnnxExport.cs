using Microsoft.ML.Gan.Data;
using Microsoft.ML.Gan.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Onnx;

/// <summary>
/// Writes trained discriminators as an ONNX classifier: the weight norm folded into plain weights, no noise, ReLU
/// between dense layers (convolutional members: <see cref="ConvDiscriminatorOnnx"/>), softmax over the K logits; an ensemble's members each get their own layers and their probabilities
/// are averaged (ONNX Mean).
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
    public static byte[] BuildBatched(IReadOnlyList<DiscriminatorNetwork> members, string inputName, LabelValues labels, FeatureStandardization? standardization = null)
    {
        var (graph, argmaxInput) = Probabilities(members, inputName, ColumnNames.Score, standardization);
        graph.AddOutput(ColumnNames.Score, OnnxElementType.Float, -1, members[0].ClassCount);
        graph.AddNode("ArgMax", [argmaxInput], ["class_index"], OnnxAttribute.Int("axis", 1), OnnxAttribute.Int("keepdims", 0));
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
    public static byte[] BuildSingleRow(IReadOnlyList<DiscriminatorNetwork> members, string inputName, FeatureStandardization? standardization = null)
    {
        var (graph, argmaxInput) = Probabilities(members, inputName, "probabilities", standardization);
        long classes = members[0].ClassCount;
        graph.AddInitializer("row_shape", [classes], 1);
        graph.AddNode("Reshape", ["probabilities", "row_shape"], [ProbabilitiesOutput]);
        graph.AddOutput(ProbabilitiesOutput, OnnxElementType.Float, classes);
        graph.AddNode("ArgMax", [argmaxInput], ["class_index"], OnnxAttribute.Int("axis", 1), OnnxAttribute.Int("keepdims", 0));
        graph.AddInitializer("depth", [classes], 1);
        graph.AddInitializer("off_on", [0f, 1f], 2);
        graph.AddNode("OneHot", ["class_index", "depth", "off_on"], ["indicator"], OnnxAttribute.Int("axis", -1));
        graph.AddNode("Reshape", ["indicator", "row_shape"], [IndicatorOutput]);
        graph.AddOutput(IndicatorOutput, OnnxElementType.Float, classes);
        return graph.ToBytes();
    }

    /// <summary>
    /// The graph up to the class probabilities, named <paramref name="probabilitiesName"/>, and the tensor whose argmax is
    /// the predicted class: a single member's logits (as before ensembles), or the ensemble's mean probabilities. With
    /// <paramref name="standardization"/>, the input is standardised first.
    /// </summary>
    private static (OnnxGraphBuilder Graph, string ArgmaxInput) Probabilities(IReadOnlyList<DiscriminatorNetwork> members, string inputName, string probabilitiesName,
        FeatureStandardization? standardization)
    {
        var graph = new OnnxGraphBuilder("SemiSupervisedGanDiscriminator");
        graph.AddInput(inputName, OnnxElementType.Float, -1, members[0].InputSize);
        if (standardization is not null)
            inputName = standardization.AddToOnnx(graph, inputName);
        if (members.Count == 1)
        {
            AddLogits(graph, members[0], inputName, "");
            graph.AddNode("Softmax", ["logits"], [probabilitiesName], OnnxAttribute.Int("axis", 1));
            return (graph, "logits");
        }
        var memberProbabilities = new string[members.Count];
        for (int m = 0; m < members.Count; m++)
        {
            AddLogits(graph, members[m], inputName, $"m{m}_");
            memberProbabilities[m] = $"m{m}_probabilities";
            graph.AddNode("Softmax", [$"m{m}_logits"], [memberProbabilities[m]], OnnxAttribute.Int("axis", 1));
        }
        graph.AddNode("Mean", memberProbabilities, [probabilitiesName]);
        return (graph, probabilitiesName);
    }

    /// <summary>
    /// Minibatch discrimination against the reference batch, whose projections are constants once training is over:
    /// [f, scale * sum_r exp(-sum_c |M(f) - M_r|)], M(f) = f T viewed as [N, 1, B, C].
    /// </summary>
    private static string AddMinibatchFeatures(OnnxGraphBuilder graph, MlpDiscriminator discriminator, string features, string prefix)
    {
        var minibatch = discriminator.Minibatch!;
        int kernels = minibatch.Kernels, dimension = minibatch.KernelDimension;
        using var projection = minibatch.Projection.detach().contiguous();
        using var references = discriminator.ReferenceProjections();
        using var referencesContiguous = references.detach().contiguous();
        graph.AddInitializer($"{prefix}mbd_T", projection.data<float>().ToArray(), projection.shape[0], projection.shape[1]);
        graph.AddInitializer($"{prefix}mbd_shape", [-1L, 1, kernels, dimension], 4);
        graph.AddInitializer($"{prefix}mbd_references", referencesContiguous.data<float>().ToArray(), references.shape[0], kernels, dimension);
        graph.AddInitializer($"{prefix}mbd_axis_c", [3L], 1);
        graph.AddInitializer($"{prefix}mbd_axis_r", [1L], 1);
        graph.AddInitializer($"{prefix}mbd_scale", [(float)discriminator.ReferenceScale], 1);
        graph.AddNode("MatMul", [features, $"{prefix}mbd_T"], [$"{prefix}mbd_flat"]);
        graph.AddNode("Reshape", [$"{prefix}mbd_flat", $"{prefix}mbd_shape"], [$"{prefix}mbd_m"]);
        graph.AddNode("Sub", [$"{prefix}mbd_m", $"{prefix}mbd_references"], [$"{prefix}mbd_difference"]);
        graph.AddNode("Abs", [$"{prefix}mbd_difference"], [$"{prefix}mbd_abs"]);
        graph.AddNode("ReduceSum", [$"{prefix}mbd_abs", $"{prefix}mbd_axis_c"], [$"{prefix}mbd_l1"], OnnxAttribute.Int("keepdims", 0));
        graph.AddNode("Neg", [$"{prefix}mbd_l1"], [$"{prefix}mbd_negative"]);
        graph.AddNode("Exp", [$"{prefix}mbd_negative"], [$"{prefix}mbd_closeness"]);
        graph.AddNode("ReduceSum", [$"{prefix}mbd_closeness", $"{prefix}mbd_axis_r"], [$"{prefix}mbd_sum"], OnnxAttribute.Int("keepdims", 0));
        graph.AddNode("Mul", [$"{prefix}mbd_sum", $"{prefix}mbd_scale"], [$"{prefix}mbd_o"]);
        graph.AddNode("Concat", [features, $"{prefix}mbd_o"], [$"{prefix}mbd_features"], OnnxAttribute.Int("axis", 1));
        return $"{prefix}mbd_features";
    }

    /// <summary>One member's layers up to its K logits, named prefix + "logits".</summary>
    private static void AddLogits(OnnxGraphBuilder graph, DiscriminatorNetwork discriminator, string inputName, string prefix)
    {
        switch (discriminator)
        {
            case MlpDiscriminator mlp:
                AddMlpLogits(graph, mlp, inputName, prefix);
                break;
            case ConvDiscriminator conv:
                ConvDiscriminatorOnnx.AddLogits(graph, conv, inputName, prefix);
                break;
            default:
                throw new NotSupportedException($"No ONNX export for {discriminator.GetType().Name}.");
        }
    }

    private static void AddMlpLogits(OnnxGraphBuilder graph, MlpDiscriminator discriminator, string inputName, string prefix)
    {
        string x = inputName;
        var layers = discriminator.DenseLayers.ToArray();
        for (int i = 0; i < layers.Length; i++)
        {
            if (i == layers.Length - 1 && discriminator.Minibatch is not null)
                x = AddMinibatchFeatures(graph, discriminator, x, prefix);
            using var weight = layers[i].FoldedWeight();
            using var transposed = weight.t().contiguous();
            using var bias = layers[i].Bias.detach().contiguous();
            graph.AddInitializer($"{prefix}W{i}", transposed.data<float>().ToArray(), layers[i].InputSize, layers[i].OutputSize);
            graph.AddInitializer($"{prefix}B{i}", bias.data<float>().ToArray(), layers[i].OutputSize);
            graph.AddNode("MatMul", [x, $"{prefix}W{i}"], [$"{prefix}matmul{i}"]);
            string preActivation = i == layers.Length - 1 ? $"{prefix}logits" : $"{prefix}linear{i}";
            graph.AddNode("Add", [$"{prefix}matmul{i}", $"{prefix}B{i}"], [preActivation]);
            if (i < layers.Length - 1)
            {
                graph.AddNode("Relu", [preActivation], [$"{prefix}relu{i}"]);
                x = $"{prefix}relu{i}";
            }
        }
    }
}
