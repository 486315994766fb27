using Microsoft.ML.Gan.Transformers;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.Gan.Tests;

/// <summary>Compares a fitted model's libtorch scores with those of its batched ONNX export run by ONNX Runtime.</summary>
internal static class OnnxScoreAgreement
{
    /// <summary>
    /// The largest absolute difference between the two scorings of <paramref name="features"/>, over every row and class;
    /// <paramref name="torch"/> is the fit's <see cref="SemiSupervisedGanTrainer.TorchClassifierTrained"/>.
    /// </summary>
    public static double LargestDifference(SemiSupervisedGanTransformer gan, TorchClassifier torch, float[][] features)
    {
        var torchScores = torch.Score(features);
        using var stream = new MemoryStream();
        gan.SaveOnnx(stream);
        using var session = new InferenceSession(stream.ToArray());
        var input = new DenseTensor<float>(features.SelectMany(r => r).ToArray(), [features.Length, features[0].Length]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(gan.FeatureColumnName, input)]);
        var onnxScores = results.First(r => r.Name == "Score").AsTensor<float>().ToArray();
        int classes = gan.ClassCount;
        double largest = 0;
        for (int i = 0; i < features.Length; i++)
            for (int k = 0; k < classes; k++)
                largest = Math.Max(largest, Math.Abs(torchScores[i][k] - onnxScores[i * classes + k]));
        return largest;
    }
}
