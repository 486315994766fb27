using Microsoft.ML.Data;
using Microsoft.ML.Gan.Onnx;

namespace Microsoft.ML.Gan;

/// <summary>
/// Builds the scoring chain of a fitted model from stock ML.NET transformers only, so that a saved model.zip loads
/// with a plain <c>Model.Load</c>: OnnxTransformer runs the classifier and gives the probabilities and the one-hot
/// indicator of the most probable class; a multiclass prediction transformer turns the indicator into the scalar
/// <c>PredictedLabel</c> key carrying the label's key values; the probabilities become <c>Score</c>.
/// </summary>
/// <remarks>
/// ML.NET 5's OnnxTransformer fails on scalar outputs, and no stock transform reduces a vector to a scalar key, but
/// a multiclass prediction transformer does. Naive Bayes fitted on the K indicator rows (row k: e_k, class k) predicts
/// class k for e_k: every other class never saw feature k, so k has the highest score exactly. A test checks
/// PredictedLabel against the argmax of Score.
/// </remarks>
internal static class OnnxScorer
{
    private const string IndicatorLabel = "Label";

    public static ITransformer Create(MLContext mlContext, IDataView input, byte[] singleRowModel, LabelValues labels, string featureColumnName)
    {
        var onnx = mlContext.Transforms.ApplyOnnxModel(
                outputColumnNames: [DiscriminatorOnnxExport.ProbabilitiesOutput, DiscriminatorOnnxExport.IndicatorOutput],
                inputColumnNames: [featureColumnName],
                modelBytes: new MemoryStream(singleRowModel, writable: false),
                gpuDeviceId: null,
                fallbackToCpu: false)
            .Fit(input);
        var scored = onnx.Transform(input);

        var table = labels.ToIndicatorTable(mlContext, IndicatorLabel, DiscriminatorOnnxExport.IndicatorOutput);
        var argmax = mlContext.Transforms.Conversion.MapValueToKey(IndicatorLabel)
            .Append(mlContext.MulticlassClassification.Trainers.NaiveBayes(IndicatorLabel, DiscriminatorOnnxExport.IndicatorOutput))
            .Fit(table)
            .LastTransformer;
        var predicted = argmax.Transform(scored);

        var rename = mlContext.Transforms.CopyColumns(ColumnNames.Score, DiscriminatorOnnxExport.ProbabilitiesOutput)
            .Append(mlContext.Transforms.DropColumns(DiscriminatorOnnxExport.ProbabilitiesOutput, DiscriminatorOnnxExport.IndicatorOutput))
            .Fit(predicted);
        return new TransformerChain<ITransformer>(onnx, argmax, rename);
    }
}
