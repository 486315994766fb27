using Microsoft.ML.Data;
using Microsoft.ML.Gan.Data;
using Microsoft.ML.Gan.Onnx;

namespace Microsoft.ML.Gan.Transformers;

/// <summary>
/// Builds the scoring chain of a fitted model from stock ML.NET transformers only, so that a saved model.zip loads
/// with a plain <c>Model.Load</c>: OnnxTransformer runs the classifier graph (<see cref="DiscriminatorOnnxExport.Build"/>,
/// the graph <c>SaveOnnx</c> writes) and gives the probabilities and the one-hot indicator of the most probable class; a
/// multiclass prediction transformer turns the indicator into the scalar predicted label key carrying the label's key
/// values; the probabilities become the score column.
/// </summary>
/// <remarks>
/// Why this chain and not the graph's own outputs (docs/design.md, "How a model is saved"): ML.NET 5's OnnxTransformer
/// fails on scalar outputs, and no stock transform reduces a vector to a scalar key, but a multiclass prediction
/// transformer does. Naive Bayes fitted on the K indicator rows (row k: e_k, class k) predicts class k for e_k: every
/// other class never saw feature k, so k has the highest score exactly. OnnxTransformer also gives an [N, K] output the
/// column type [1, K], so it reads the graph's flat [N * K] copies, declared K long. Naive Bayes names its outputs
/// <c>Score</c> and <c>PredictedLabel</c> whatever the options say; copies then give the options' names and the
/// intermediate columns are dropped. A test checks PredictedLabel against the argmax of Score.
/// </remarks>
internal static class OnnxScorer
{
    private const string IndicatorLabel = "Label";

    public static ITransformer Create(MLContext mlContext, IDataView input, byte[] classifier, LabelValues labels, int classCount, string featureColumnName,
        string scoreColumnName, string predictedLabelColumnName)
    {
        string probabilities = DiscriminatorOnnxExport.ProbabilitiesOutput(scoreColumnName);
        string indicator = DiscriminatorOnnxExport.IndicatorOutput(predictedLabelColumnName);
        var onnx = mlContext.Transforms.ApplyOnnxModel(
                outputColumnNames: [probabilities, indicator],
                inputColumnNames: [featureColumnName],
                modelBytes: new MemoryStream(classifier, writable: false),
                shapeDictionary: new Dictionary<string, int[]> { [probabilities] = [classCount], [indicator] = [classCount] },
                gpuDeviceId: null,
                fallbackToCpu: false)
            .Fit(input);
        var scored = onnx.Transform(input);

        var table = labels.ToIndicatorTable(mlContext, IndicatorLabel, indicator);
        var argmax = mlContext.Transforms.Conversion.MapValueToKey(IndicatorLabel)
            .Append(mlContext.MulticlassClassification.Trainers.NaiveBayes(IndicatorLabel, indicator))
            .Fit(table)
            .LastTransformer;
        var predicted = argmax.Transform(scored);

        string[] stockOutputs = [ColumnNames.Score, ColumnNames.PredictedLabel];
        var rename = mlContext.Transforms.CopyColumns(predictedLabelColumnName, ColumnNames.PredictedLabel)
            .Append(mlContext.Transforms.CopyColumns(scoreColumnName, probabilities))
            .Append(mlContext.Transforms.DropColumns([probabilities, indicator, .. stockOutputs.Except([scoreColumnName, predictedLabelColumnName])]))
            .Fit(predicted);
        return new TransformerChain<ITransformer>([onnx, argmax, .. rename]);
    }
}
