using Microsoft.ML.Gan.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// A 2-D transposed convolution ("deconvolution") with weight normalisation, as the output layer of the paper's
/// convolutional generators: the kernel of output channel o is g_o * v[:, o] / ||v[:, o]||, the norm over input
/// channels and kernel positions. Square kernels; output size (in - 1) * s - 2p + k + output padding.
/// </summary>
internal sealed class WeightNormConvTranspose2d : nn.Module<Tensor, Tensor>
{
    private readonly Parameter v;
    private readonly Parameter g;
    private readonly Parameter b;

    /// <summary>A layer with kernels v = <paramref name="initialDirection"/>, shape [in, out, k, k], g = 1 and b = 0.</summary>
    public WeightNormConvTranspose2d(string name, int kernelSize, int stride, int padding, int outputPadding, Tensor initialDirection) : base(name)
    {
        long outputChannels = initialDirection.shape[1];
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        OutputPadding = outputPadding;
        v = new Parameter(initialDirection.detach().clone(), requires_grad: true);
        g = new Parameter(ones(outputChannels), requires_grad: true);
        b = new Parameter(zeros(outputChannels), requires_grad: true);
        RegisterComponents();
    }

    private int KernelSize { get; }

    private int Stride { get; }

    /// <summary>Padding removed from each side of the full output, in pixels.</summary>
    private int Padding { get; }

    /// <summary>Pixels added at the bottom and right of the output.</summary>
    private int OutputPadding { get; }

    public override Tensor forward(Tensor input)
    {
        using var _ = NewDisposeScope();
        return nn.functional.conv_transpose2d(input, Kernels(), b, strides: [Stride, Stride], padding: [Padding, Padding],
            output_padding: [OutputPadding, OutputPadding]).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Adds the layer as ConvTranspose with the folded kernels g * v / ||v|| <paramref name="kernels"/> and the bias
    /// <paramref name="bias"/> as constants; returns <paramref name="output"/>.
    /// </summary>
    public string AddTo(OnnxGraphBuilder graph, string input, string kernels, string bias, string output)
    {
        using (no_grad())
        using (var folded = Kernels())
            graph.AddInitializer(kernels, folded);
        graph.AddInitializer(bias, b);
        graph.AddNode("ConvTranspose", [input, kernels, bias], [output], Attributes(KernelSize, Stride, Padding, OutputPadding));
        return output;
    }

    /// <summary>The attributes of an ONNX ConvTranspose with square kernels and the same stride, padding and output padding on both axes.</summary>
    public static OnnxAttribute[] Attributes(int kernelSize, int stride, int padding, int outputPadding) =>
    [
        OnnxAttribute.Ints("kernel_shape", [kernelSize, kernelSize]),
        OnnxAttribute.Ints("strides", [stride, stride]),
        OnnxAttribute.Ints("pads", [padding, padding, padding, padding]),
        OnnxAttribute.Ints("output_padding", [outputPadding, outputPadding]),
    ];

    private Tensor Kernels()
    {
        using var norm = EuclideanNorm.Over(v, 0L, 2L, 3L);
        using var factor = g.div(norm).view(1, -1, 1, 1);
        return v.mul(factor);
    }
}
