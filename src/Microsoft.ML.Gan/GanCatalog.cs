namespace Microsoft.ML.Gan;

/// <summary>
/// The catalog of generative adversarial network trainers, reached as <c>mlContext.Gan</c>.
/// </summary>
public sealed class GanCatalog
{
    private readonly MLContext _mlContext;

    internal GanCatalog(MLContext mlContext) => _mlContext = mlContext;

    /// <summary>
    /// A semi-supervised classifier trained with a GAN (Salimans et al., 2016) with the default options
    /// (<see cref="SemiSupervisedGanTrainer.Options"/>).
    /// </summary>
    /// <param name="labelColumnName">Key-typed label column; key 0 (missing) marks unlabeled rows.</param>
    /// <param name="featureColumnName">Known-size vector of Single, e.g. pixels in [0,1].</param>
    /// <param name="maxEpoch">Passes over the unlabeled rows; the paper uses 300.</param>
    public SemiSupervisedGanTrainer SemiSupervised(string labelColumnName = ColumnNames.Label,
        string featureColumnName = ColumnNames.Features, int maxEpoch = 300) =>
        SemiSupervised(new SemiSupervisedGanTrainer.Options
        {
            LabelColumnName = labelColumnName,
            FeatureColumnName = featureColumnName,
            MaxEpoch = maxEpoch,
        });

    /// <summary>Measures of generative models: Inception score, Fréchet distance, MS-SSIM diversity, Parzen log-likelihood.</summary>
    public GanMetricsCatalog Metrics { get; } = new();

    /// <summary>A semi-supervised classifier trained with a GAN, with all options.</summary>
    public SemiSupervisedGanTrainer SemiSupervised(SemiSupervisedGanTrainer.Options options) =>
        new(_mlContext, options);
}
