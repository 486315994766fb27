using Microsoft.ML.Gan.Networks;
using Microsoft.ML.Gan.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// The networks of one training run, built for the options' architecture: the discriminator, the exponential moving
/// average of its parameters (the final classifier) and the generator. They are disposed with this object unless
/// handed over to the fitted model.
/// </summary>
internal sealed class GanNetworks : IDisposable
{
    private bool _averagedReleased;
    private bool _generatorReleased;

    /// <summary>
    /// Builds the networks for rows of <paramref name="featureCount"/> features and <paramref name="classCount"/> classes,
    /// drawing their initial weights from <paramref name="random"/> (discriminator, average, generator, in that order).
    /// <paramref name="image"/> is the image shape of the convolutional architecture, null for the MLP;
    /// <paramref name="standardized"/>: the rows are standardised features, so the MLP generator's output is linear.
    /// </summary>
    public GanNetworks(SemiSupervisedGanTrainer.Options options, long featureCount, int classCount, ImageShape? image, bool standardized,
        RandomGenerator random, GaussianNoiseSource noise)
    {
        Image = image;
        Discriminator = NewDiscriminator(options, featureCount, classCount, image, random, noise);
        AveragedDiscriminator = NewDiscriminator(options, featureCount, classCount, image, random, noise);
        Generator = image is ImageShape shape
            ? new ConvGenerator(options.NoiseSize, shape, options.ConvolutionalWidth, random)
            : new MlpGenerator(options.NoiseSize, options.GeneratorHiddenSizes, featureCount, random,
                options.VirtualBatchNormalization ? options.BatchSize : 0, options.ConditionalGenerator ? classCount : 0, linearOutput: standardized);
        Precision = BFloat16Support.Resolve(options.MatrixMultiplyPrecision, TorchBackend.ResolveDevice(options.Device).type);
        if (Precision == MatrixMultiplyPrecision.BFloat16)
        {
            foreach (var layer in Discriminator.modules().Concat(Generator.modules()).OfType<WeightNormDense>())
                layer.ProductType = ScalarType.BFloat16;
        }
    }

    /// <summary>The precision the dense layers multiply in while training, as the options resolve on this machine (never Auto).</summary>
    public MatrixMultiplyPrecision Precision { get; }

    /// <summary>The image shape of the convolutional networks; null for the MLP.</summary>
    public ImageShape? Image { get; }

    /// <summary>The discriminator being trained.</summary>
    public DiscriminatorNetwork Discriminator { get; }

    /// <summary>The exponential moving average of the discriminator: the final classifier.</summary>
    public DiscriminatorNetwork AveragedDiscriminator { get; }

    /// <summary>The generator network.</summary>
    public GeneratorNetwork Generator { get; }

    /// <summary>Every parameter and buffer of the three networks, in a fixed order.</summary>
    public IEnumerable<Tensor> State =>
        Discriminator.state_dict().Values
            .Concat(AveragedDiscriminator.state_dict().Values)
            .Concat(Generator.state_dict().Values);

    /// <summary>
    /// Drops what the last updates wrote for the trained networks' next passes (<see cref="WeightNormDense.ForgetUpdatedRows"/>),
    /// after their weights were set by other means.
    /// </summary>
    public void ForgetUpdatedRows()
    {
        foreach (var layer in Discriminator.modules().Concat(Generator.modules()).OfType<WeightNormDense>())
            layer.ForgetUpdatedRows();
    }

    /// <summary>Moves the three networks to <paramref name="device"/>.</summary>
    public void To(Device device)
    {
        Discriminator.to(device);
        AveragedDiscriminator.to(device);
        Generator.to(device);
    }

    /// <summary>Hands the averaged discriminator to the caller, who then owns it; Dispose leaves it alone.</summary>
    public DiscriminatorNetwork ReleaseAveragedDiscriminator()
    {
        _averagedReleased = true;
        return AveragedDiscriminator;
    }

    /// <summary>Hands the generator to the caller, who then owns it; Dispose leaves it alone.</summary>
    public GeneratorNetwork ReleaseGenerator()
    {
        _generatorReleased = true;
        return Generator;
    }

    public void Dispose()
    {
        Discriminator.Dispose();
        if (!_averagedReleased)
            AveragedDiscriminator.Dispose();
        if (!_generatorReleased)
            Generator.Dispose();
    }

    private static DiscriminatorNetwork NewDiscriminator(SemiSupervisedGanTrainer.Options options, long featureCount, int classCount, ImageShape? image,
        RandomGenerator random, GaussianNoiseSource noise) => image is ImageShape shape
        ? new ConvDiscriminator(shape, options.ConvolutionalWidth, classCount, options.InitialWeightStandardDeviation, random)
        : new MlpDiscriminator(featureCount, options.DiscriminatorHiddenSizes, classCount, options.InputNoiseStandardDeviation,
            options.HiddenNoiseStandardDeviation, options.InitialWeightStandardDeviation, random, noise,
            options.MinibatchDiscriminationKernels, options.MinibatchDiscriminationKernelDimension, options.BatchSize);
}
