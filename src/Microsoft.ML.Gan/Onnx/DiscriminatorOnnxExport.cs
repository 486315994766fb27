using Microsoft.ML.Gan.Data;
using Microsoft.ML.Gan.Networks;

namespace Microsoft.ML.Gan.Onnx;

/// <summary>
/// The classifier head of the exported discriminators: each member adds its own layers up to its K logits
/// (<see cref="DiscriminatorNetwork.AddTo"/>); softmax over the logits, an ensemble's probabilities averaged (ONNX Mean),
/// and the scoring outputs.
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
            string logits = members[0].AddTo(graph, inputName, "");
            graph.AddNode("Softmax", [logits], [probabilitiesName], OnnxAttribute.Int("axis", 1));
            return (graph, logits);
        }
        var memberProbabilities = new string[members.Count];
        for (int m = 0; m < members.Count; m++)
        {
            string logits = members[m].AddTo(graph, inputName, $"m{m}_");
            memberProbabilities[m] = $"m{m}_probabilities";
            graph.AddNode("Softmax", [logits], [memberProbabilities[m]], OnnxAttribute.Int("axis", 1));
        }
        graph.AddNode("Mean", memberProbabilities, [probabilitiesName]);
        return (graph, probabilitiesName);
    }
}
