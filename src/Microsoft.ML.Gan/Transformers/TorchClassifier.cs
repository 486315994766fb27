using Microsoft.ML.Gan.Data;
using Microsoft.ML.Gan.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Transformers;

/// <summary>
/// The averaged discriminators of a fit on libtorch, which the fitted model does not keep (it scores with their ONNX
/// graph). <see cref="SemiSupervisedGanTrainer.TorchClassifierTrained"/> hands them over, so that a test can compare
/// the two scorings; the receiver disposes them.
/// </summary>
internal sealed class TorchClassifier : IDisposable
{
    private readonly IReadOnlyList<DiscriminatorNetwork> _members;
    private readonly FeatureStandardization? _standardization;

    public TorchClassifier(IReadOnlyList<DiscriminatorNetwork> members, FeatureStandardization? standardization)
    {
        _members = members;
        _standardization = standardization;
    }

    /// <summary>Class probabilities of rows of shape [features] (an ensemble's mean), standardised as the model does.</summary>
    public float[][] Score(float[][] rows)
    {
        using var scope = NewDisposeScope();
        int features = (int)_members[0].InputSize, classes = (int)_members[0].ClassCount;
        var input = tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, features]);
        _standardization?.ApplyInPlace(input);
        var probabilities = DiscriminatorEnsemble.Probabilities(_members, input).contiguous();
        var flat = probabilities.data<float>().ToArray();
        return Enumerable.Range(0, rows.Length).Select(i => flat.AsSpan(i * classes, classes).ToArray()).ToArray();
    }

    public void Dispose()
    {
        foreach (var member in _members)
            member.Dispose();
    }
}
