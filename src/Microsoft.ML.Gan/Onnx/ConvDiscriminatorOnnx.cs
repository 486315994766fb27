using Microsoft.ML.Gan.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Onnx;

/// <summary>
/// The ONNX layers of a <see cref="ConvDiscriminator"/>: the flat rows reshaped to [N, C, H, W]; each convolution as
/// Conv (weight norm folded into the kernels, pads [top, left, bottom, right]) and LeakyRelu 0.2; GlobalAveragePool and
/// Flatten to [N, 2w]; MatMul and Add to the K logits. Dropout is the identity in scoring and has no node.
/// </summary>
internal static class ConvDiscriminatorOnnx
{
    /// <summary>Adds the layers from <paramref name="inputName"/> [N, C*H*W] to the logits [N, K], named prefix + "logits".</summary>
    public static void AddLogits(OnnxGraphBuilder graph, ConvDiscriminator discriminator, string inputName, string prefix)
    {
        var image = discriminator.Image;
        graph.AddInitializer($"{prefix}image_shape", [-1L, image.Channels, image.Height, image.Width], 4);
        graph.AddNode("Reshape", [inputName, $"{prefix}image_shape"], [$"{prefix}image"]);
        string x = $"{prefix}image";
        var convolutions = discriminator.Convolutions;
        for (int i = 0; i < convolutions.Count; i++)
        {
            var conv = convolutions[i];
            using var kernels = conv.FoldedWeight();
            using var bias = conv.Bias.detach().contiguous();
            graph.AddInitializer($"{prefix}K{i}", kernels.contiguous().data<float>().ToArray(), kernels.shape);
            graph.AddInitializer($"{prefix}KB{i}", bias.data<float>().ToArray(), bias.shape[0]);
            graph.AddNode("Conv", [x, $"{prefix}K{i}", $"{prefix}KB{i}"], [$"{prefix}conv{i}"],
                OnnxAttribute.Ints("kernel_shape", [conv.KernelSize, conv.KernelSize]),
                OnnxAttribute.Ints("strides", [conv.Stride, conv.Stride]),
                OnnxAttribute.Ints("pads", [conv.Padding, conv.Padding, conv.Padding, conv.Padding]));
            graph.AddNode("LeakyRelu", [$"{prefix}conv{i}"], [$"{prefix}lrelu{i}"], OnnxAttribute.Float("alpha", (float)ConvDiscriminator.LeakySlope));
            x = $"{prefix}lrelu{i}";
        }
        graph.AddNode("GlobalAveragePool", [x], [$"{prefix}pooled_maps"]);
        graph.AddNode("Flatten", [$"{prefix}pooled_maps"], [$"{prefix}pooled"], OnnxAttribute.Int("axis", 1));

        var output = discriminator.OutputLayer;
        using var weight = output.FoldedWeight();
        using var transposed = weight.t().contiguous();
        using var outputBias = output.Bias.detach().contiguous();
        graph.AddInitializer($"{prefix}W_out", transposed.data<float>().ToArray(), output.InputSize, output.OutputSize);
        graph.AddInitializer($"{prefix}B_out", outputBias.data<float>().ToArray(), output.OutputSize);
        graph.AddNode("MatMul", [$"{prefix}pooled", $"{prefix}W_out"], [$"{prefix}logits_linear"]);
        graph.AddNode("Add", [$"{prefix}logits_linear", $"{prefix}B_out"], [$"{prefix}logits"]);
    }
}
