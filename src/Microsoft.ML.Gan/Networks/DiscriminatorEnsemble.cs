using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// How an ensemble of discriminators classifies (<c>Options.EnsembleSize</c>; Salimans et al. 2016, Table 2): the mean of
/// the members' softmax over the K real classes. The ONNX export builds the same mean as a graph.
/// </summary>
internal static class DiscriminatorEnsemble
{
    /// <summary>
    /// Class probabilities [rows, K] on the CPU for <paramref name="rows"/> (on the CPU); each member, in eval mode, scores
    /// on its own device. The caller owns the result and disposes it through its scope.
    /// </summary>
    public static Tensor Probabilities(IReadOnlyList<DiscriminatorNetwork> members, Tensor rows)
    {
        using var _ = no_grad();
        Tensor? sum = null;
        foreach (var member in members)
        {
            member.eval();
            var device = member.parameters().First().device;
            var probabilities = member.forward(rows.to(device)).softmax(1).cpu();
            sum = sum is null ? probabilities : sum.add(probabilities, HeldScalars.One);
        }
        using var count = members.Count.ToScalar();
        return sum!.div(count);
    }

    /// <summary>
    /// Predicted classes [rows] (0-based, Int64, on the CPU): the argmax of a single member's logits, as its ONNX graph
    /// predicts, or of the ensemble's mean probabilities.
    /// </summary>
    public static Tensor Predict(IReadOnlyList<DiscriminatorNetwork> members, Tensor rows)
    {
        if (members.Count > 1)
            return Probabilities(members, rows).argmax(1);
        using var _ = no_grad();
        var single = members[0];
        single.eval();
        return single.forward(rows.to(single.parameters().First().device)).argmax(1).cpu();
    }
}
