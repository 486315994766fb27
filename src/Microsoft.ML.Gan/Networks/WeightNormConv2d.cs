using Microsoft.ML.Gan.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// A 2-D convolution with weight normalisation (Salimans and Kingma, 2016): each output channel's kernel is
/// g * v / ||v||, the norm taken over its input channels and kernel positions; square kernels, zero padding. Like
/// <see cref="WeightNormDense"/>, g can be frozen and data-dependent initialisation standardises the first batch's
/// pre-activations per channel (over rows and positions).
/// </summary>
internal sealed class WeightNormConv2d : nn.Module<Tensor, Tensor>
{
    private readonly Parameter v;
    private readonly Parameter g;
    private readonly Parameter b;

    public WeightNormConv2d(string name, long inputChannels, long outputChannels, int kernelSize, int stride, int padding,
        bool trainScale, double initialWeightStd, RandomGenerator random) : base(name)
    {
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        v = new Parameter(HeldScalars.Normal(0, initialWeightStd, [outputChannels, inputChannels, kernelSize, kernelSize], random), requires_grad: true);
        g = new Parameter(ones(outputChannels), requires_grad: trainScale);
        b = new Parameter(zeros(outputChannels), requires_grad: true);
        RegisterComponents();
    }

    private int KernelSize { get; }

    private int Stride { get; }

    /// <summary>Zero padding on each side, in pixels.</summary>
    private int Padding { get; }

    /// <summary>Direction v, shape [out, in, k, k].</summary>
    public Parameter Direction => v;

    /// <summary>Scale g, shape [out].</summary>
    public Parameter Scale => g;

    /// <summary>Bias b, shape [out].</summary>
    public Parameter Bias => b;

    /// <summary>Output height or width for an input of <paramref name="size"/> pixels: floor((size + 2p - k) / s) + 1.</summary>
    public long OutputSize(long size) => (size + 2L * Padding - KernelSize) / Stride + 1;

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var convolved = nn.functional.conv2d(input, v, strides: [Stride, Stride], padding: [Padding, Padding]);
        var factor = g.div(EuclideanNorm.Over(v, 1L, 2L, 3L)).view(1, -1, 1, 1);
        return convolved.mul(factor).add(b.view(1, -1, 1, 1), HeldScalars.One).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Data-dependent initialisation: sets g = 1/std and b = -mean/std of this batch's pre-activations per channel and
    /// returns the standardised pre-activations, which is what the layer now outputs for this batch.
    /// </summary>
    public Tensor InitializeFrom(Tensor input)
    {
        using var scope = NewDisposeScope();
        var direction = v.detach();
        var inverseNorm = direction.pow(HeldScalars.Two).sum([1L, 2L, 3L]).rsqrt().view(1, -1, 1, 1);
        var preActivation = nn.functional.conv2d(input, direction, strides: [Stride, Stride], padding: [Padding, Padding]).mul(inverseNorm);
        var mean = preActivation.mean([0L, 2L, 3L]);
        var std = preActivation.sub(mean.view(1, -1, 1, 1)).pow(HeldScalars.Two).mean([0L, 2L, 3L]).sqrt();
        using (no_grad())
        {
            g.copy_(std.reciprocal());
            b.copy_(mean.neg().div(std));
        }
        return preActivation.sub(mean.view(1, -1, 1, 1)).div(std.view(1, -1, 1, 1)).MoveToOuterDisposeScope();
    }

    /// <summary>The folded kernels g * v / ||v||, shape [out, in, k, k], with no autograd history.</summary>
    public Tensor FoldedWeight()
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var factor = g.div(EuclideanNorm.Over(v, 1L, 2L, 3L)).view(-1, 1, 1, 1);
        return v.mul(factor).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Adds the layer as Conv with the folded kernels <paramref name="kernels"/> and the bias <paramref name="bias"/> as
    /// constants, pads [top, left, bottom, right]; returns <paramref name="output"/>.
    /// </summary>
    public string AddTo(OnnxGraphBuilder graph, string input, string kernels, string bias, string output)
    {
        using (var folded = FoldedWeight())
            graph.AddInitializer(kernels, folded);
        graph.AddInitializer(bias, b);
        graph.AddNode("Conv", [input, kernels, bias], [output],
            OnnxAttribute.Ints("kernel_shape", [KernelSize, KernelSize]),
            OnnxAttribute.Ints("strides", [Stride, Stride]),
            OnnxAttribute.Ints("pads", [Padding, Padding, Padding, Padding]));
        return output;
    }
}
