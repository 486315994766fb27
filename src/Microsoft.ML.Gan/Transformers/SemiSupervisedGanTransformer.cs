using System.Globalization;
using Microsoft.ML.Data;
using Microsoft.ML.Gan.Data;
using Microsoft.ML.Gan.IO;
using Microsoft.ML.Gan.Networks;
using Microsoft.ML.Gan.Transformers;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan;

/// <summary>
/// The classifier fitted by <see cref="SemiSupervisedGanTrainer"/>. It adds <see cref="ScoreColumnName"/> (default
/// <c>Score</c>: vector of Single, the K class probabilities) and <see cref="PredictedLabelColumnName"/> (default
/// <c>PredictedLabel</c>: a key with the training label's key values). Every path scores with one ONNX graph of the
/// averaged discriminator, the one <see cref="SaveOnnx(string)"/> writes: <see cref="Transform"/> in batches through
/// ONNX Runtime, a PredictionEngine and a saved model.zip through ML.NET's OnnxTransformer, so model.zip holds only
/// stock ML.NET transformers: <c>mlContext.Model.Load</c> needs no registration and no libtorch (docs/design.md, "How a
/// model is saved", says why the two paths remain).
/// </summary>
public sealed class SemiSupervisedGanTransformer : ITransformer, IDisposable
{
    private readonly MLContext _mlContext;
    private readonly ITransformer _scorer;
    private readonly byte[] _onnxModel;
    private readonly TemporaryFile _scorerModelFile;
    private readonly GeneratorNetwork _generator;
    private readonly LabelValues _labels;
    private readonly Lazy<OnnxBatchScorer> _batchScorer;
    private readonly FeatureStandardization? _standardization;

    internal SemiSupervisedGanTransformer(MLContext mlContext, ITransformer scorer, byte[] onnxModel, TemporaryFile scorerModelFile, int featureCount, int classCount, int ensembleSize,
        GeneratorNetwork generator, LabelValues labels, string featureColumnName, string scoreColumnName, string predictedLabelColumnName,
        FeatureStandardization? standardization = null)
    {
        _standardization = standardization;
        _labels = labels;
        _mlContext = mlContext;
        _scorer = scorer;
        _onnxModel = onnxModel;
        _scorerModelFile = scorerModelFile;
        FeatureCount = featureCount;
        ClassCount = classCount;
        EnsembleSize = ensembleSize;
        _generator = generator;
        FeatureColumnName = featureColumnName;
        ScoreColumnName = scoreColumnName;
        PredictedLabelColumnName = predictedLabelColumnName;
        _batchScorer = new(() => new OnnxBatchScorer(mlContext, onnxModel, featureColumnName, scoreColumnName, FeatureCount, ClassCount));
    }

    /// <summary>Name of the feature column the classifier reads.</summary>
    public string FeatureColumnName { get; }

    /// <summary>Name of the column of class probabilities the classifier adds (<c>ScoreColumnName</c> of the options).</summary>
    public string ScoreColumnName { get; }

    /// <summary>Name of the predicted label column the classifier adds (<c>PredictedLabelColumnName</c> of the options).</summary>
    public string PredictedLabelColumnName { get; }

    /// <summary>K, the number of classes.</summary>
    public int ClassCount { get; }

    /// <summary>Length of the feature vector.</summary>
    public int FeatureCount { get; }

    /// <summary>Number of discriminators whose probabilities are averaged (<c>EnsembleSize</c>).</summary>
    public int EnsembleSize { get; }

    /// <inheritdoc/>
    public bool IsRowToRowMapper => _scorer.IsRowToRowMapper;

    /// <summary>
    /// Writes the classifier as an ONNX model (opset 17), the graph every scoring path runs, a saved model.zip holds and
    /// <c>mlgan export-onnx</c> writes: input named after the feature column, shape [N, features]; outputs named after
    /// <see cref="ScoreColumnName"/> [N, K], the class probabilities, and <see cref="PredictedLabelColumnName"/> [N], the
    /// label value of the most probable class; for ML.NET's OnnxTransformer also the probabilities and the one-hot vectors of
    /// the most probable classes flattened to [N * K], named after those columns with ".Probabilities" and ".Indicator"
    /// appended. The file is written to a temporary file and renamed, so a failure never leaves a partial file.
    /// </summary>
    public void SaveOnnx(string path) => AtomicFile.Write(path, stream => stream.Write(_onnxModel));

    /// <summary>Writes the ONNX model of <see cref="SaveOnnx(string)"/> to a stream.</summary>
    public void SaveOnnx(Stream stream) => stream.Write(_onnxModel);

    /// <summary>Length of the generator's noise vector z (uniform in [0, 1)).</summary>
    public int NoiseSize => (int)_generator.NoiseSize;

    /// <summary>
    /// Draws <paramref name="count"/> samples from the trained generator: an IDataView with one column named after the
    /// feature column, vectors of <see cref="FeatureCount"/> values in [0, 1] (for images, the pixels in ExtractPixels'
    /// order), or, when the trainer standardised the features (<see cref="FeatureScaling"/>), in the features' own units. The same seed gives the same samples. The batch norms use statistics frozen after training (from 10,000
    /// samples), so a sample does not depend on the others. Runs on libtorch; a saved model.zip holds only the
    /// classifier, so keep the generator with <see cref="SaveGeneratorOnnx(string)"/>. A conditional generator
    /// (<c>ConditionalGenerator</c>) draws each sample's class uniformly.
    /// </summary>
    public IDataView Generate(int count, int seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var random = new RandomGenerator((ulong)seed);
        _generator.eval();
        return ToDataView(_generator.Sample(count, random), count);
    }

    /// <summary>
    /// Draws <paramref name="count"/> samples of one class from a conditional generator (trained with
    /// <c>ConditionalGenerator = true</c>), as <see cref="Generate(int, int)"/> does. <paramref name="label"/> is a value of
    /// the training label column before MapValueToKey (e.g. 7f for MNIST's Single labels, "Trouser" for text labels; a
    /// number of another numeric type compares by value); a label key without values is named by its key, 1..K.
    /// The same label and seed give the same samples.
    /// </summary>
    /// <exception cref="InvalidOperationException">The generator is not conditional.</exception>
    /// <exception cref="ArgumentException">No class has the value <paramref name="label"/>.</exception>
    public IDataView GenerateForLabel<TLabel>(int count, TLabel label, int seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if (_generator.ClassCount == 0)
            throw new InvalidOperationException("This model's generator is not class-conditional; train with ConditionalGenerator = true to generate samples of one label, or call Generate(count, seed).");
        int index = _labels.IndexOf(label);
        if (index < 0)
            throw new ArgumentException($"Label value '{Convert.ToString(label, CultureInfo.InvariantCulture)}' is not one of the training label's values ({_labels}).", nameof(label));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var random = new RandomGenerator((ulong)seed);
        _generator.eval();
        using var value = ((long)index).ToScalar();
        return ToDataView(_generator.Sample(full(count, value, ScalarType.Int64), random), count);
    }

    /// <summary>Generated samples [count, features] as an IDataView with the feature column.</summary>
    private IDataView ToDataView(Tensor generated, int count)
    {
        if (_standardization is not null)
            generated = _standardization.Invert(generated);
        var samples = generated.contiguous().data<float>().ToArray();
        var rows = Enumerable.Range(0, count).Select(i => new GeneratedRow { Features = samples.AsSpan(i * FeatureCount, FeatureCount).ToArray() });
        var schema = SchemaDefinition.Create(typeof(GeneratedRow));
        schema[nameof(GeneratedRow.Features)].ColumnName = FeatureColumnName;
        schema[nameof(GeneratedRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, FeatureCount);
        return _mlContext.Data.LoadFromEnumerable(rows.ToArray(), schema);
    }

    /// <summary>
    /// Writes the generator as an ONNX model (opset 17): input <c>Noise</c> [N, <see cref="NoiseSize"/>], z uniform in
    /// [0, 1), and for a conditional generator a second input <c>Class</c> [N, <see cref="ClassCount"/>], the one-hot
    /// class in key order; output named after the feature column, [N, <see cref="FeatureCount"/>]. ML.NET's
    /// ApplyOnnxModel scores it. Written to a temporary file and renamed.
    /// </summary>
    public void SaveGeneratorOnnx(string path)
    {
        byte[] model = _generator.ToOnnx(FeatureColumnName, _standardization);
        AtomicFile.Write(path, stream => stream.Write(model));
    }

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _scorer.GetOutputSchema(inputSchema);

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => _scorer.GetRowToRowMapper(inputSchema);

    /// <summary>
    /// Adds <see cref="ScoreColumnName"/> and <see cref="PredictedLabelColumnName"/> to <paramref name="input"/>, scoring 256 rows per ONNX Runtime call
    /// (ML.NET's OnnxTransformer, which a loaded model.zip uses, scores row by row). The result cannot shuffle; the
    /// values equal the saved model's within float rounding.
    /// </summary>
    public IDataView Transform(IDataView input)
        => new BatchScoredDataView(input, _scorer.GetOutputSchema(input.Schema), _batchScorer.Value, FeatureColumnName, ScoreColumnName, PredictedLabelColumnName);

    /// <summary>Saves as the chain of stock transformers that scores; loading it gives an equivalent transformer.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => _scorer.Save(ctx);

    /// <inheritdoc/>
    public void Dispose()
    {
        (_scorer as IDisposable)?.Dispose();
        _scorerModelFile.Dispose();
        if (_batchScorer.IsValueCreated)
            _batchScorer.Value.Dispose();
        _generator.Dispose();
    }

    private sealed class GeneratedRow
    {
        public float[] Features { get; set; } = [];
    }
}
