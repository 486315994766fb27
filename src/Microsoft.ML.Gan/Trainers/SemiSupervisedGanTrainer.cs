using Microsoft.ML.Data;
using Microsoft.ML.Gan.Data;
using Microsoft.ML.Gan.IO;
using Microsoft.ML.Gan.Networks;
using Microsoft.ML.Gan.Onnx;
using Microsoft.ML.Gan.Runtime;
using Microsoft.ML.Gan.Trainers;
using Microsoft.ML.Gan.Training;
using Microsoft.ML.Gan.Transformers;
using Microsoft.ML.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan;

/// <summary>
/// Trains a K-class classifier from a few labeled and many unlabeled rows with the semi-supervised GAN of
/// "Improved Techniques for Training GANs" (Salimans et al., 2016): a discriminator with K logits (the K+1-th,
/// "generated", fixed at 0) learns from labeled rows, unlabeled rows and generator samples, and a generator is
/// trained by feature matching. Create it with <c>mlContext.Gan.SemiSupervised(...)</c>.
/// </summary>
public sealed partial class SemiSupervisedGanTrainer : IEstimator<SemiSupervisedGanTransformer>
{
    private readonly MLContext _mlContext;
    private readonly IHost _host;
    private readonly Options _options;

    /// <summary>Samples whose statistics the generator's batch norms keep for generation.</summary>
    private const int GeneratorStatisticsRows = 10_000;

    internal SemiSupervisedGanTrainer(MLContext mlContext, Options options)
    {
        _mlContext = mlContext;
        _host = ((IHostEnvironment)mlContext).Register(nameof(SemiSupervisedGanTrainer));
        _options = options;
        OptionsValidation.Check(options);
    }

    /// <summary>
    /// Receives the averaged discriminators on libtorch after a fit, and with them the duty to dispose them; unset, the
    /// fit disposes them once their ONNX graph is built. For tests that compare libtorch's scores with the graph's.
    /// </summary>
    internal Action<TorchClassifier>? TorchClassifierTrained { get; set; }

    /// <summary>
    /// Trains on <paramref name="input"/>: rows with a missing label are unlabeled, and every row also serves as unlabeled data.
    /// </summary>
    /// <exception cref="OperationCanceledException">
    /// <see cref="Options.CancellationToken"/> was canceled, or the MLContext was (as AutoML does to end a trial); training
    /// stops before its next step, and with <see cref="Options.CheckpointDirectory"/> set the last checkpoint stays.
    /// </exception>
    public SemiSupervisedGanTransformer Fit(IDataView input) => Fit(input, null);

    /// <summary>
    /// Trains as <see cref="Fit(IDataView)"/> and reports the averaged model's error on the labeled rows of
    /// <paramref name="validationData"/> (same schema as <paramref name="input"/>) after every epoch.
    /// </summary>
    /// <exception cref="OperationCanceledException">Training was canceled, as in <see cref="Fit(IDataView)"/>.</exception>
    public SemiSupervisedGanTransformer Fit(IDataView input, IDataView? validationData)
    {
        CheckCanceled();
        var columns = SemiSupervisedColumns.Find(input.Schema, _options.FeatureColumnName, _options.LabelColumnName);
        ImageShape? image = _options.Architecture == GanArchitecture.Convolutional
            ? OptionsValidation.ImageShapeFor(_options, columns.FeatureCount, ((VectorDataViewType)columns.Features.Type).Dimensions)
            : null;
        if (_options.EarlyStoppingPatience is not null && validationData is null)
            throw new ArgumentException("EarlyStoppingPatience needs validation data: call Fit(train, validation).", nameof(validationData));
        using var channel = _host.Start("Training");
        bool streaming = _options.StreamingShuffleBufferSize is not null;
        using var data = SemiSupervisedData.Read(input, columns, requireLabels: true, labeledRowsOnly: streaming);
        OptionsValidation.CheckAgainstData(_options, data.RowCount);
        using var validation = validationData is null ? null : ReadValidation(validationData, columns);
        channel.Info(MessageSensitivity.None, $"{data.RowCount} rows, {data.LabeledCount} labeled, {columns.ClassCount} classes, {columns.FeatureCount} features.");
        var standardization = streaming
            ? FeatureStandardization.For(_options.FeatureScaling, _options.Architecture, input, columns.Features, columns.FeatureCount)
            : FeatureStandardization.For(_options.FeatureScaling, _options.Architecture, data.Features);
        if (standardization is not null)
        {
            standardization.ApplyInPlace(data.Features);
            if (validation is not null)
                standardization.ApplyInPlace(validation.Features);
            channel.Info(MessageSensitivity.None, "Features standardised per slot with the training rows' mean and standard deviation (FeatureScaling).");
            if (standardization.ConstantSlots.Length > 0)
                channel.Warning(MessageSensitivity.None, standardization.DescribeConstantSlots(columns.Features.Name));
        }
        for (int k = 0; k < data.LabeledPerClass.Length; k++)
        {
            if (data.LabeledPerClass[k] == 0)
                channel.Warning(MessageSensitivity.None, $"Class key {k + 1} of label column '{columns.Label.Name}' has no labeled row; the classifier cannot learn it.");
        }

        int seed = _options.Seed ?? _host.Rand.Next();
        if (MklFastPath.Enable() is MklFastPathState.LibtorchAlreadyLoaded or MklFastPathState.Failed)
            channel.Warning(MessageSensitivity.None, MklFastPath.Describe());
        else
            channel.Info(MessageSensitivity.None, MklFastPath.Describe());
        channel.Info(MessageSensitivity.None, OpenMpWaitPolicy.Describe());
        var (precision, emulated) = BFloat16Support.Describe(_options.MatrixMultiplyPrecision, TorchBackend.ResolveDevice(_options.Device).type);
        if (emulated)
            channel.Warning(MessageSensitivity.None, precision);
        else
            channel.Info(MessageSensitivity.None, precision);
        if (BFloat16Support.Resolve(_options.MatrixMultiplyPrecision, TorchBackend.ResolveDevice(_options.Device).type) == MatrixMultiplyPrecision.BFloat16)
            channel.Info(MessageSensitivity.None, BFloat16Product.Describe());
        TorchBackend.SetThreads(_options.NumberOfThreads);
        if (NativeAllocator.KeepFreedMemory())
            channel.Info(MessageSensitivity.None, "glibc malloc: mmap threshold 32 MiB, trim threshold 1 GiB, so freed tensor memory is reused instead of re-faulted.");
        var labels = LabelValues.FromColumn(columns.Label, columns.ClassCount);
        var members = new List<DiscriminatorNetwork>();
        GeneratorNetwork? generator = null;
        try
        {
            for (int member = 0; member < _options.EnsembleSize; member++)
            {
                if (_options.EnsembleSize > 1)
                    channel.Info(MessageSensitivity.None, $"Ensemble member {member + 1} of {_options.EnsembleSize}, seed {seed + member}.");
                using var loop = new GanTrainingLoop(_options.ForEnsembleMember(member), columns.FeatureCount, columns.ClassCount, image, seed + member, channel,
                    standardization, member);
                Func<Device, UnlabeledRows>? stream = streaming
                    ? device => Standardized(new ShuffleBufferRows(input, columns.Features, columns.FeatureCount, _options.StreamingShuffleBufferSize!.Value, loop.Random, device), standardization)
                    : null;
                loop.Run(data, stream, validation is null ? null : d => ErrorRate(members, d, validation), CheckCanceled);
                loop.Networks.AveragedDiscriminator.to(CPU);
                members.Add(loop.Networks.ReleaseAveragedDiscriminator());
                if (member > 0)
                    continue;
                loop.Networks.Generator.to(CPU);
                loop.Networks.Generator.eval();
                loop.Networks.Generator.FreezeStatistics(GeneratorStatisticsRows, loop.Random);
                generator = loop.Networks.ReleaseGenerator();
            }
        }
        catch (OperationCanceledException)
        {
            channel.Info(MessageSensitivity.None, _options.CheckpointDirectory is string directory
                ? $"Training canceled; the checkpoint of the last saved epoch stays in '{directory}'."
                : "Training canceled.");
            members.ForEach(m => m.Dispose());
            generator?.Dispose();
            throw;
        }
        catch
        {
            members.ForEach(m => m.Dispose());
            generator?.Dispose();
            throw;
        }
        byte[] classifier = DiscriminatorOnnxExport.Build(members, columns.Features.Name, labels, _options.ScoreColumnName, _options.PredictedLabelColumnName, standardization);
        var torch = new TorchClassifier(members, standardization);
        if (TorchClassifierTrained is { } receive)
            receive(torch);
        else
            torch.Dispose();
        var classifierFile = new TemporaryFile(_mlContext, classifier, ".onnx");
        ITransformer scorer;
        try
        {
            scorer = OnnxScorer.Create(_mlContext, input, classifierFile.Path, labels, columns.ClassCount, columns.Features.Name, _options.ScoreColumnName, _options.PredictedLabelColumnName);
        }
        catch
        {
            classifierFile.Dispose();
            generator?.Dispose();
            throw;
        }
        return new SemiSupervisedGanTransformer(_mlContext, scorer, classifier, classifierFile, columns.FeatureCount, columns.ClassCount, members.Count, generator!, labels,
            columns.Features.Name, _options.ScoreColumnName, _options.PredictedLabelColumnName, standardization);
    }

    private static UnlabeledRows Standardized(UnlabeledRows rows, FeatureStandardization? standardization) =>
        standardization is null ? rows : new StandardizedRows(rows, standardization);

    /// <summary>Throws <see cref="OperationCanceledException"/> when the MLContext or the options' token asks training to stop.</summary>
    private void CheckCanceled()
    {
        HostCancellation.CheckAlive(_host);
        _options.CancellationToken.ThrowIfCancellationRequested();
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var features = inputSchema.FirstOrDefault(c => c.Name == _options.FeatureColumnName);
        if (features.Name is null)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Feature column '{_options.FeatureColumnName}' not found.");
        if (features.Kind != SchemaShape.Column.VectorKind.Vector || features.ItemType != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"Feature column '{_options.FeatureColumnName}' has type {features.ItemType} ({features.Kind}); expected a vector of Single of known size.");
        var label = inputSchema.FirstOrDefault(c => c.Name == _options.LabelColumnName);
        if (label.Name is null)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Label column '{_options.LabelColumnName}' not found.");
        if (!label.IsKey)
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"Label column '{_options.LabelColumnName}' has type {label.ItemType}; expected a key type. Add mlContext.Transforms.Conversion.MapValueToKey(\"{_options.LabelColumnName}\") before the trainer.");

        // SchemaShape columns can only be made by ML.NET's estimators: the score is a vector of Single like the features,
        // the predicted label a key with the label's type and key values, so copying those columns declares both.
        return _mlContext.Transforms.CopyColumns(_options.ScoreColumnName, _options.FeatureColumnName)
            .Append(_mlContext.Transforms.CopyColumns(_options.PredictedLabelColumnName, _options.LabelColumnName))
            .GetOutputSchema(inputSchema);
    }

    private static SemiSupervisedData ReadValidation(IDataView validationData, SemiSupervisedColumns trainColumns)
    {
        var columns = SemiSupervisedColumns.Find(validationData.Schema, trainColumns.Features.Name, trainColumns.Label.Name);
        if (columns.FeatureCount != trainColumns.FeatureCount || columns.ClassCount != trainColumns.ClassCount)
            throw new ArgumentException(
                $"Validation data has {columns.FeatureCount} features and {columns.ClassCount} classes; the training data has {trainColumns.FeatureCount} and {trainColumns.ClassCount}.",
                nameof(validationData));
        var (values, trainValues) = (LabelValues.FromColumn(columns.Label, columns.ClassCount), LabelValues.FromColumn(trainColumns.Label, trainColumns.ClassCount));
        if (!values.SameAs(trainValues))
            throw new ArgumentException(
                $"Validation label column '{columns.Label.Name}' has the values ({values}) in key order; the training data has ({trainValues}). "
                + "Map both with the same MapValueToKey transformer, fitted on the training data.",
                nameof(validationData));
        return SemiSupervisedData.Read(validationData, columns, requireLabels: false);
    }

    /// <summary>
    /// Error rate on <paramref name="validation"/> of the model Fit would return now: the ensemble of the finished
    /// <paramref name="members"/> and <paramref name="current"/> (the averaged discriminator in training).
    /// </summary>
    private static double ErrorRate(IReadOnlyList<DiscriminatorNetwork> members, DiscriminatorNetwork current, SemiSupervisedData validation)
    {
        using var scope = NewDisposeScope();
        var rows = validation.Features.index_select(0, validation.LabeledIndices);
        var predicted = DiscriminatorEnsemble.Predict([.. members, current], rows);
        long correct = predicted.eq(validation.LabeledClasses.cpu()).sum().item<long>();
        return 1.0 - (double)correct / Math.Max(1, validation.LabeledCount);
    }
}
