using Microsoft.ML.Data;
using Microsoft.ML.Gan.Data;
using Microsoft.ML.Gan.Onnx;

namespace Microsoft.ML.Gan.Transformers;

/// <summary>
/// Builds the scoring chain of a fitted model from stock ML.NET transformers only, so that a saved model.zip loads
/// with a plain <c>Model.Load</c>: OnnxTransformer runs the classifier graph (<see cref="DiscriminatorOnnxExport.Build"/>,
/// the graph <c>SaveOnnx</c> writes, read from a file that must outlive the chain) and gives the probabilities and the one-hot indicator of the most probable class; a
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
/// intermediate columns are dropped. Input columns of the names the chain drops (e.g. an input <c>Score</c> when the
/// outputs have other names) are copied aside at the start and back at the end, so a loaded model keeps them as the
/// fitted one does; only when the input has them, so the chain of other data is unchanged. A test checks
/// PredictedLabel against the argmax of Score.
/// </remarks>
internal static class OnnxScorer
{
    private const string IndicatorLabel = "Label";

    public static ITransformer Create(MLContext mlContext, IDataView input, string classifierFile, LabelValues labels, int classCount, string featureColumnName,
        string scoreColumnName, string predictedLabelColumnName)
    {
        string probabilities = DiscriminatorOnnxExport.ProbabilitiesOutput(scoreColumnName);
        string indicator = DiscriminatorOnnxExport.IndicatorOutput(predictedLabelColumnName);
        string[] stockOutputs = [ColumnNames.Score, ColumnNames.PredictedLabel];
        string[] dropped = [probabilities, indicator, .. stockOutputs.Except([scoreColumnName, predictedLabelColumnName])];
        var kept = KeptInputColumns(input.Schema, dropped.Except([scoreColumnName, predictedLabelColumnName]),
            [probabilities, indicator, .. stockOutputs, scoreColumnName, predictedLabelColumnName]);
        var aside = kept.Length == 0 ? null : Copies(mlContext, kept.Select(k => (k.Aside, k.Name))).Fit(input);
        var source = aside?.Transform(input) ?? input;

        var onnx = mlContext.Transforms.ApplyOnnxModel(
                outputColumnNames: [probabilities, indicator],
                inputColumnNames: [featureColumnName],
                modelFile: classifierFile,
                shapeDictionary: new Dictionary<string, int[]> { [probabilities] = [classCount], [indicator] = [classCount] },
                gpuDeviceId: null,
                fallbackToCpu: false)
            .Fit(source);
        var scored = onnx.Transform(source);

        var table = labels.ToIndicatorTable(mlContext, IndicatorLabel, indicator);
        var argmax = mlContext.Transforms.Conversion.MapValueToKey(IndicatorLabel)
            .Append(mlContext.MulticlassClassification.Trainers.NaiveBayes(IndicatorLabel, indicator))
            .Fit(table)
            .LastTransformer;
        var predicted = argmax.Transform(scored);

        var rename = mlContext.Transforms.CopyColumns(predictedLabelColumnName, ColumnNames.PredictedLabel)
            .Append(mlContext.Transforms.CopyColumns(scoreColumnName, probabilities))
            .Append(mlContext.Transforms.DropColumns(dropped))
            .Fit(predicted);
        if (aside is null)
            return new TransformerChain<ITransformer>([onnx, argmax, .. rename]);
        var restore = Copies(mlContext, kept.Select(k => (k.Name, k.Aside)))
            .Append(mlContext.Transforms.DropColumns(kept.Select(k => k.Aside).ToArray()))
            .Fit(rename.Transform(predicted));
        return new TransformerChain<ITransformer>([aside, onnx, argmax, .. rename, .. restore]);
    }

    /// <summary>Copies each pair's input column to its output column.</summary>
    private static IEstimator<ITransformer> Copies(MLContext mlContext, IEnumerable<(string Output, string Input)> pairs) =>
        pairs.Aggregate<(string Output, string Input), IEstimator<ITransformer>>(new EstimatorChain<ITransformer>(),
            (chain, pair) => chain.Append(mlContext.Transforms.CopyColumns(pair.Output, pair.Input)));

    /// <summary>
    /// The input columns among <paramref name="dropped"/>, each with a name absent from the input and from
    /// <paramref name="chainColumns"/> to keep it under while the chain reuses its name.
    /// </summary>
    private static (string Name, string Aside)[] KeptInputColumns(DataViewSchema input, IEnumerable<string> dropped, IReadOnlyCollection<string> chainColumns)
    {
        var taken = new HashSet<string>(input.Select(c => c.Name).Concat(chainColumns));
        var kept = new List<(string, string)>();
        foreach (string name in dropped.Where(n => input.GetColumnOrNull(n) is not null))
        {
            string aside = $"{name}.Input";
            for (int i = 2; taken.Contains(aside); i++)
                aside = $"{name}.Input{i}";
            taken.Add(aside);
            kept.Add((name, aside));
        }
        return [.. kept];
    }
}
