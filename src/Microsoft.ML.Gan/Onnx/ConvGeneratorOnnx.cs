using Microsoft.ML.Gan.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Onnx;

/// <summary>
/// Writes a trained <see cref="ConvGenerator"/> as an ONNX model: input <c>Noise</c> [N, NoiseSize]; MatMul, the frozen
/// batch norm as Mul and Add, Relu; Reshape to [N, 4w, h0, w0]; ConvTranspose (kernel [in, out, 5, 5], strides 2,
/// pads 2, output_padding 1: each side doubles), the frozen per-channel batch norm as Mul and Add on [2w, 1, 1], Relu;
/// ConvTranspose with the weight norm folded in and its bias; Slice to H x W when cropped; Sigmoid; Reshape to
/// [N, C*H*W], named after the feature column.
/// </summary>
internal static class ConvGeneratorOnnx
{
    public static byte[] Build(ConvGenerator generator, string outputName)
    {
        using var scope = NewDisposeScope();
        var graph = new OnnxGraphBuilder("SemiSupervisedGanGenerator");
        graph.AddInput(GeneratorOnnxExport.NoiseInput, OnnxElementType.Float, -1, generator.NoiseSize);

        var (denseWeight, denseNorm) = generator.DenseLayer;
        var transposed = denseWeight.detach().t().contiguous();
        graph.AddInitializer("W_dense", transposed.data<float>().ToArray(), transposed.shape);
        AddFrozenNorm(graph, denseNorm, "dense", [denseNorm.Bias.shape[0]]);
        graph.AddNode("MatMul", [GeneratorOnnxExport.NoiseInput, "W_dense"], ["dense_linear"]);
        graph.AddNode("Mul", ["dense_linear", "dense_scale"], ["dense_scaled"]);
        graph.AddNode("Add", ["dense_scaled", "dense_shift"], ["dense_normalized"]);
        graph.AddNode("Relu", ["dense_normalized"], ["dense_out"]);
        graph.AddInitializer("maps_shape", [-1L, generator.StartChannels, generator.StartHeight, generator.StartWidth], 4);
        graph.AddNode("Reshape", ["dense_out", "maps_shape"], ["maps"]);

        var (deconvWeight, deconvNorm) = generator.DeconvolutionLayer;
        var kernels = deconvWeight.detach().contiguous();
        graph.AddInitializer("K_deconv", kernels.data<float>().ToArray(), kernels.shape);
        AddFrozenNorm(graph, deconvNorm, "deconv", [generator.MiddleChannels, 1, 1]);
        graph.AddNode("ConvTranspose", ["maps", "K_deconv"], ["deconv_linear"], Upsampling());
        graph.AddNode("Mul", ["deconv_linear", "deconv_scale"], ["deconv_scaled"]);
        graph.AddNode("Add", ["deconv_scaled", "deconv_shift"], ["deconv_normalized"]);
        graph.AddNode("Relu", ["deconv_normalized"], ["deconv_out"]);

        var output = generator.OutputLayer;
        var outputKernels = output.FoldedWeight().contiguous();
        var outputBias = output.Bias.detach().contiguous();
        graph.AddInitializer("K_pixels", outputKernels.data<float>().ToArray(), outputKernels.shape);
        graph.AddInitializer("B_pixels", outputBias.data<float>().ToArray(), outputBias.shape[0]);
        graph.AddNode("ConvTranspose", ["deconv_out", "K_pixels", "B_pixels"], ["pixels_full"], Upsampling());
        var image = generator.Image;
        string logits = "pixels_full";
        if (ConvGenerator.UpsampledSize(ConvGenerator.UpsampledSize(generator.StartHeight)) != image.Height
            || ConvGenerator.UpsampledSize(ConvGenerator.UpsampledSize(generator.StartWidth)) != image.Width)
        {
            graph.AddInitializer("crop_starts", [0L, 0L], 2);
            graph.AddInitializer("crop_ends", [(long)image.Height, image.Width], 2);
            graph.AddInitializer("crop_axes", [2L, 3L], 2);
            graph.AddNode("Slice", ["pixels_full", "crop_starts", "crop_ends", "crop_axes"], ["pixels_cropped"]);
            logits = "pixels_cropped";
        }
        graph.AddNode("Sigmoid", [logits], ["pixels"]);
        graph.AddInitializer("rows_shape", [-1L, image.Size], 2);
        graph.AddNode("Reshape", ["pixels", "rows_shape"], [outputName]);
        graph.AddOutput(outputName, OnnxElementType.Float, -1, image.Size);
        return graph.ToBytes();
    }

    /// <summary>The attributes of both transposed convolutions.</summary>
    private static OnnxAttribute[] Upsampling() =>
    [
        OnnxAttribute.Ints("kernel_shape", [ConvGenerator.Kernel, ConvGenerator.Kernel]),
        OnnxAttribute.Ints("strides", [ConvGenerator.Stride, ConvGenerator.Stride]),
        OnnxAttribute.Ints("pads", [ConvGenerator.Padding, ConvGenerator.Padding, ConvGenerator.Padding, ConvGenerator.Padding]),
        OnnxAttribute.Ints("output_padding", [ConvGenerator.OutputPadding, ConvGenerator.OutputPadding]),
    ];

    /// <summary>A frozen bias-only batch norm as y = x * scale + shift, scale = 1 / sqrt(var + eps), shift = beta - mean * scale.</summary>
    private static void AddFrozenNorm(OnnxGraphBuilder graph, BiasOnlyBatchNorm norm, string name, long[] shape)
    {
        if (!norm.IsFrozen)
            throw new InvalidOperationException("The generator's batch-norm statistics are not frozen; call FreezeStatistics after training.");
        var (mean, variance) = norm.FrozenStatistics;
        using var epsilon = norm.Epsilon.ToScalar();
        var scale = variance.add(epsilon, HeldScalars.One).rsqrt().contiguous();
        var shift = norm.Bias.detach().sub(mean.mul(scale)).contiguous();
        graph.AddInitializer($"{name}_scale", scale.data<float>().ToArray(), shape);
        graph.AddInitializer($"{name}_shift", shift.data<float>().ToArray(), shape);
    }
}
