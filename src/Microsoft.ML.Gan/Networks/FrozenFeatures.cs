using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// The hidden layers of a frozen discriminator in training mode, products in bfloat16, as one autograd node: the
/// generator's step runs them twice per step (real rows, then generated rows) and needs only the gradient of their input.
/// Layer by layer, x' = bf16(x + s e) with e the layer's Gaussian noise, then y = max(float(x' W^T) + b, 0) with W the
/// frozen folded weight in bfloat16: one pass writes x' and one writes y around each product; backward, one pass writes
/// the gradient masked by y &gt; 0 in bfloat16 before each product (<see cref="DenseKernels"/>, rounded as libtorch
/// rounds the module's operations, so training is unchanged to the bit). The module's operations take five kernels forward
/// and four backward per layer, each with its autograd record.
/// </summary>
internal sealed class FrozenFeatures : autograd.SingleTensorFunction<FrozenFeatures>
{
    private const string Saved = "layers";

    /// <summary>One layer: the noise on its input (null when off), its frozen weight [outputs, inputs] in bfloat16, its bias.</summary>
    internal readonly record struct Layer(GaussianNoise? Noise, Tensor Weight, Tensor Bias);

    public override string Name => nameof(FrozenFeatures);

    /// <summary>The last layer's output for <paramref name="input"/> [rows, inputs] (float32), with a gradient to it when it has one.</summary>
    public static Tensor Of(Tensor input, IReadOnlyList<Layer> layers)
    {
        if (input.requires_grad && is_grad_enabled())
            return apply(input, layers);
        var outputs = Forward(input, layers);
        for (int i = 0; i < outputs.Length - 1; i++)
            outputs[i].Dispose();
        return outputs[^1];
    }

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var layers = (IReadOnlyList<Layer>)vars[1];
        var outputs = Forward((Tensor)vars[0], layers);
        for (int i = 0; i < outputs.Length - 1; i++)
            outputs[i].DetachFromDisposeScope();
        ctx.save_for_backward([outputs[^1]]);
        ctx.save_data(Saved, (layers, outputs[..^1]));
        return outputs[^1];
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var (layers, hidden) = ((IReadOnlyList<Layer>, Tensor[]))ctx.get_data(Saved);
        try
        {
            using var top = grad_output.contiguous();
            var masked = DenseKernels.Masked(top, ctx.get_saved_variables()[0]);
            for (int i = layers.Count - 1; ; i--)
            {
                Tensor inputGradient;
                using (masked)
                    inputGradient = masked.matmul(layers[i].Weight);
                if (i == 0)
                {
                    using (inputGradient)
                        return [inputGradient.to(ScalarType.Float32), null!];
                }
                using (inputGradient)
                    masked = DenseKernels.Masked(inputGradient, hidden[i - 1]);
            }
        }
        finally
        {
            foreach (var output in hidden)
                output.Dispose();
        }
    }

    /// <summary>Every layer's output, the last one's being the result.</summary>
    private static Tensor[] Forward(Tensor input, IReadOnlyList<Layer> layers)
    {
        var outputs = new Tensor[layers.Count];
        var x = input;
        for (int i = 0; i < layers.Count; i++)
        {
            using var noisy = DenseKernels.Noisy(x, layers[i].Noise);
            using var product = noisy.matmul(layers[i].Weight.t());
            x = outputs[i] = DenseKernels.Output(product, null, layers[i].Bias, rectified: true);
        }
        return outputs;
    }
}
