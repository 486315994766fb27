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
    /// <summary>Name of the output with the class probabilities of all rows in one vector [N * K], for the column <paramref name="scoreName"/>.</summary>
    public static string ProbabilitiesOutput(string scoreName) => scoreName + ".Probabilities";

    /// <summary>Name of the output with the one-hot vectors of the most probable classes [N * K], for the column <paramref name="predictedLabelName"/>.</summary>
    public static string IndicatorOutput(string predictedLabelName) => predictedLabelName + ".Indicator";

    /// <summary>
    /// The classifier graph every scoring path runs: input <paramref name="inputName"/> [N, features]; outputs
    /// <paramref name="scoreName"/> [N, K] (class probabilities), <paramref name="predictedLabelName"/> [N] (the label
    /// value of the most probable class, of the label's own type), and for ML.NET's OnnxTransformer
    /// <see cref="ProbabilitiesOutput"/> and <see cref="IndicatorOutput"/> (the one-hot vector of the most probable
    /// class), each [N * K] (<see cref="Transformers.OnnxScorer"/> says why).
    /// </summary>
    public static byte[] Build(IReadOnlyList<DiscriminatorNetwork> members, string inputName, LabelValues labels, string scoreName, string predictedLabelName,
        FeatureStandardization? standardization = null)
    {
        var (graph, argmaxInput) = Probabilities(members, inputName, scoreName, standardization);
        long classes = members[0].ClassCount;
        graph.AddOutput(scoreName, OnnxElementType.Float, -1, classes);
        graph.AddNode("ArgMax", [argmaxInput], ["class_index"], OnnxAttribute.Int("axis", 1), OnnxAttribute.Int("keepdims", 0));
        labels.AddInitializer(graph, "label_values");
        graph.AddNode("Gather", ["label_values", "class_index"], [predictedLabelName], OnnxAttribute.Int("axis", 0));
        graph.AddOutput(predictedLabelName, labels.ElementType, -1);
        graph.AddInitializer("flat_shape", [-1L], 1);
        graph.AddNode("Reshape", [scoreName, "flat_shape"], [ProbabilitiesOutput(scoreName)]);
        graph.AddOutput(ProbabilitiesOutput(scoreName), OnnxElementType.Float, -1);
        graph.AddInitializer("depth", [classes], 1);
        graph.AddInitializer("off_on", [0f, 1f], 2);
        graph.AddNode("OneHot", ["class_index", "depth", "off_on"], ["indicator"], OnnxAttribute.Int("axis", -1));
        graph.AddNode("Reshape", ["indicator", "flat_shape"], [IndicatorOutput(predictedLabelName)]);
        graph.AddOutput(IndicatorOutput(predictedLabelName), OnnxElementType.Float, -1);
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
