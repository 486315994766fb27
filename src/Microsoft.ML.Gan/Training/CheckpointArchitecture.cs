using Microsoft.ML.Gan.Data;
using Microsoft.ML.Gan.Networks;

namespace Microsoft.ML.Gan.Training;

/// <summary>The architecture string a checkpoint is written with and must match to be resumed: network shapes and the data's size.</summary>
internal static class CheckpointArchitecture
{
    /// <summary>Describes <paramref name="networks"/>, built from <paramref name="options"/>, trained on <paramref name="data"/>.</summary>
    public static string Describe(SemiSupervisedGanTrainer.Options options, GanNetworks networks, SemiSupervisedData data) => networks.Image is ImageShape image
        ? $"conv image={image} width={options.ConvolutionalWidth} classes={networks.Discriminator.ClassCount} noise={options.NoiseSize} rows={data.RowCount} labeled={data.LabeledCount}"
        : $"mlp features={networks.Discriminator.InputSize} classes={networks.Discriminator.ClassCount} minibatch={options.MinibatchDiscriminationKernels}x{options.MinibatchDiscriminationKernelDimension} "
        + $"discriminator=[{string.Join(",", options.DiscriminatorHiddenSizes)}] generator=[{string.Join(",", options.GeneratorHiddenSizes)}]{(options.VirtualBatchNormalization ? " vbn" : "")}{(options.ConditionalGenerator ? " conditional" : "")}{(networks.Generator is MlpGenerator { LinearOutput: true } ? " standardized" : "")} "
        + $"noise={options.NoiseSize} rows={data.RowCount} labeled={data.LabeledCount}";
}
