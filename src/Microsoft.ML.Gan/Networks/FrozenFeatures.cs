using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// Feature matching's two passes over the frozen discriminator's hidden layers in training mode, products in bfloat16
/// or float32, as one autograd node over both sets of rows: the real rows' features without a gradient and the
/// generated rows' with one, where the modules take two passes of 100 rows. Layer by layer, x' = x + s e in the
/// product's type, e the layer's Gaussian noise, then y = max(x' W^T + b, 0) with W the frozen folded weight in that
/// type: one pass writes x' and, in bfloat16, one writes y after each product of both sets of rows
/// (<see cref="BFloat16Product"/>; each row of a bfloat16 product does not depend on the rows beside it); in float32
/// libtorch's <c>linear</c> multiplies each set as its module pass does. Backward, for the generated rows only, one
/// pass writes the gradient masked by y &gt; 0 in the product's type before each product (<see cref="DenseKernels"/>).
/// Each set of rows gets the noise draws its own pass would have taken (the real rows' first), so with libtorch's
/// products every value is the two module passes' to the bit; MKL's bfloat16 products are left unrounded in float32.
/// </summary>
internal sealed class FrozenFeatures : autograd.MultiTensorFunction<FrozenFeatures>
{
    private const string Saved = "layers";

    /// <summary>One layer: the noise on its input (null when off), its frozen weight [outputs, inputs] in bfloat16 or float32, its bias.</summary>
    internal readonly record struct Layer(GaussianNoise? Noise, Tensor Weight, Tensor Bias);

    public override string Name => nameof(FrozenFeatures);

    /// <summary>
    /// The last layer's outputs (float32) for <paramref name="real"/> [rows, inputs], without a gradient, and for
    /// <paramref name="generated"/>, with a gradient to it when it has one.
    /// </summary>
    public static (Tensor Real, Tensor Generated) Of(Tensor real, Tensor generated, IReadOnlyList<Layer> layers)
    {
        // The forward pass runs without gradient mode; whether a backward pass will follow is decided here.
        var outputs = apply(real, generated, layers, generated.requires_grad && is_grad_enabled());
        // The real rows' features leave the graph here rather than through mark_non_differentiable: TorchSharp 0.107
        // hands libtorch that list through a pinned array it unpins before the call (WrapOutputs pins the dirty list in
        // the same PinnedArray), so a garbage collection at that moment made libtorch read freed memory (a segmentation
        // fault in THSAutograd_Function_wrapOutputs, in two CI runs of the example test).
        return (outputs[0].detach(), outputs[1]);
    }

    public override List<Tensor> forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (real, generated, layers, backward) = ((Tensor)vars[0], (Tensor)vars[1], (IReadOnlyList<Layer>)vars[2], (bool)vars[3]);
        long rows = real.shape[0];
        // The real rows' pass draws first, one draw per noisy layer, then the generated rows' pass.
        var realDraws = layers.Select(l => l.Noise?.NextKeys()).ToArray();
        var generatedDraws = layers.Select(l => l.Noise?.NextKeys()).ToArray();
        var outputs = new Tensor[layers.Count];
        using (var both = cat([real, generated], 0))
        {
            var x = both;
            for (int i = 0; i < layers.Count; i++)
            {
                using var noisy = DenseKernels.Noisy(x, rows, realDraws[i], generatedDraws[i], layers[i].Noise?.Level ?? 0, layers[i].Weight.dtype);
                x = outputs[i] = Rectified(noisy, layers[i], rows).DetachFromDisposeScope();
            }
        }
        var last = outputs[^1];
        var realFeatures = last.narrow(0, 0, rows).clone();
        var generatedFeatures = last.narrow(0, rows, generated.shape[0]).clone();
        if (backward)
            ctx.save_data(Saved, (layers, outputs, rows));
        else
            foreach (var output in outputs)
                output.Dispose();
        return [realFeatures, generatedFeatures];
    }

    /// <summary>
    /// max(x' W^T + b, 0) as the frozen module computes it: in bfloat16, one product over both sets of rows, then one pass
    /// for the bias and ReLU; in float32, libtorch's <c>linear</c> (the bias added in the product) over the first
    /// <paramref name="rows"/> rows and over the rest, as the two module passes multiply (MKL's float32 product of a row
    /// can depend on how many rows it multiplies at once), then ReLU.
    /// </summary>
    private static Tensor Rectified(Tensor noisy, Layer layer, long rows)
    {
        if (layer.Weight.dtype == ScalarType.Float32)
        {
            using var first = noisy.narrow(0, 0, rows);
            using var second = noisy.narrow(0, rows, noisy.shape[0] - rows);
            using var firstLinear = nn.functional.linear(first, layer.Weight, layer.Bias);
            using var secondLinear = nn.functional.linear(second, layer.Weight, layer.Bias);
            return nn.functional.relu(cat([firstLinear, secondLinear], 0), inplace: true);
        }
        using var product = BFloat16Product.Of(noisy, false, layer.Weight, true);
        return DenseKernels.Output(product, null, layer.Bias, rectified: true);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, List<Tensor> grad_outputs)
    {
        var (layers, outputs, rows) = ((IReadOnlyList<Layer>, Tensor[], long))ctx.get_data(Saved);
        try
        {
            var gradient = grad_outputs[1].contiguous();
            for (int i = layers.Count - 1; ; i--)
            {
                Tensor masked;
                using (gradient)
                using (var generatedOutput = outputs[i].narrow(0, rows, gradient.shape[0]))
                    masked = DenseKernels.Masked(gradient, generatedOutput, layers[i].Weight.dtype);
                using (masked)
                    gradient = BFloat16Product.Of(masked, false, layers[i].Weight, false);
                if (i == 0)
                {
                    using (gradient)
                        return [null!, gradient.to(ScalarType.Float32), null!, null!];
                }
            }
        }
        finally
        {
            foreach (var output in outputs)
                output.Dispose();
        }
    }
}
