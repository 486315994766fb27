using Microsoft.ML.Gan.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Transforms.Onnx;

namespace Microsoft.ML.Gan.Transformers;

/// <summary>
/// Runs the batched ONNX classifier (<see cref="DiscriminatorOnnxExport.Build"/>, its score output only) on many rows per call, with the
/// session settings of <c>mlContext.SetOnnxSessionOption</c> when the user gave them. Safe to call from several threads.
/// </summary>
internal sealed class OnnxBatchScorer : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;

    public OnnxBatchScorer(MLContext mlContext, byte[] classifier, string featureColumnName, string scoreColumnName, int featureCount, int classCount)
    {
        var settings = mlContext.GetOnnxSessionOption() ?? new OnnxSessionOptions();
        using var options = settings.CreateSessionOptions?.Invoke() ?? new SessionOptions
        {
            IntraOpNumThreads = settings.IntraOpNumThreads,
            InterOpNumThreads = settings.InterOpNumThreads,
            GraphOptimizationLevel = settings.GraphOptimizationLevel,
            ExecutionMode = settings.ExecutionMode,
        };
        _session = new InferenceSession(classifier, options);
        _inputNames = [featureColumnName];
        _outputNames = [scoreColumnName];
        FeatureCount = featureCount;
        ClassCount = classCount;
    }

    /// <summary>Length of a row's feature vector.</summary>
    public int FeatureCount { get; }

    /// <summary>K, the number of class probabilities per row.</summary>
    public int ClassCount { get; }

    /// <summary>Writes the class probabilities of the first <paramref name="rows"/> rows of <paramref name="features"/> (row-major) into <paramref name="probabilities"/>.</summary>
    public void Score(float[] features, int rows, float[] probabilities)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, features.AsMemory(0, rows * FeatureCount), [rows, FeatureCount]);
        using var output = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, probabilities.AsMemory(0, rows * ClassCount), [rows, ClassCount]);
        _session.Run(_runOptions, _inputNames, [input], _outputNames, [output]);
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }
}
