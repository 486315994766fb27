using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// Weight-normalised dense layers in training mode, products in bfloat16 or float32, as one autograd node: the
/// discriminator's noisy layers in its step, and a single layer whose direction's gradient comes in one pass (the
/// generator's output layer, <see cref="WeightNormDense.DirectionGradientInOnePass"/>). Layer by layer: x' = x + s e in
/// the operands' type, e the layer's Gaussian noise; p = x' v'^T with v' the direction in that type
/// (<see cref="BFloat16Product"/>); y = p * (g / ||v||) + b, rectified in the hidden layers. Backward, per layer: the
/// gradient of y masked by ReLU; its sums over rows for b and for g / ||v|| (with p); gradient * g / ||v|| in the
/// operands' type for the two products, the direction's gradient and the input's. v' and ||v|| are the layer's leaves (<see cref="DirectionGradient"/>), completed after the backward
/// pass as with the modules; their gradients go to the leaves directly (<see cref="DirectionGradient.Receive"/>), not
/// through autograd, which would copy each of them. The elementwise work is one pass per step
/// (<see cref="DenseKernels"/>) where the module's operations take six kernels forward and seven backward per layer. With
/// libtorch's products every value is the modules' to the bit, except that in bfloat16 the sums over rows add in runs of
/// 16 rows in the same pass (<see cref="DenseKernels.LayerGradientSums"/>); MKL's bfloat16 products differ from libtorch's
/// only in being left unrounded in float32.
/// </summary>
internal sealed class TrainingLogits : autograd.SingleTensorFunction<TrainingLogits>
{
    private const string Saved = "layers";
    private const int TensorsPerLayer = 4;

    /// <summary>One layer: the noise on its input (null when off), its leaves, its scale g and bias b, and whether ReLU follows.</summary>
    internal readonly record struct Layer(GaussianNoise? Noise, DirectionGradient Leaves, Tensor Scale, Tensor Bias, bool Rectified);

    /// <summary>What the backward pass needs of one layer: its input x' in the operands' type, its product p, g / ||v||, and its output where ReLU follows.</summary>
    internal sealed record LayerValues(Tensor Input, Tensor Product, Tensor Factor, Tensor? Output) : IDisposable
    {
        public void Dispose()
        {
            Input.Dispose();
            Product.Dispose();
            Factor.Dispose();
            Output?.Dispose();
        }
    }

    public override string Name => nameof(TrainingLogits);

    /// <summary>The last layer's output (float32 [rows, outputs]) for <paramref name="input"/> [rows, inputs].</summary>
    public static Tensor Of(Tensor input, IReadOnlyList<Layer> layers)
    {
        var vars = new object[2 + TensorsPerLayer * layers.Count];
        vars[0] = input;
        vars[1] = layers;
        for (int i = 0; i < layers.Count; i++)
        {
            vars[2 + TensorsPerLayer * i] = layers[i].Leaves.Direction;
            vars[3 + TensorsPerLayer * i] = layers[i].Leaves.Norm;
            vars[4 + TensorsPerLayer * i] = layers[i].Scale;
            vars[5 + TensorsPerLayer * i] = layers[i].Bias;
        }
        return apply(vars);
    }

    /// <summary>
    /// The layers' training pass outside autograd, for a step that computes its loss's gradient itself (<see cref="Pass"/>);
    /// the values are the node's.
    /// </summary>
    public static Pass Run(Tensor input, IReadOnlyList<Layer> layers)
    {
        var (output, values) = Forward(input, layers);
        return new Pass(output, layers, values);
    }

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var layers = (IReadOnlyList<Layer>)vars[1];
        var (output, values) = Forward((Tensor)vars[0], layers);
        ctx.save_data(Saved, (layers, values, ((Tensor)vars[0]).requires_grad));
        return output;
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var (layers, values, inputGradient) = ((IReadOnlyList<Layer>, LayerValues[], bool))ctx.get_data(Saved);
        return Backward(layers, values, inputGradient, grad_output);
    }

    private static (Tensor Output, LayerValues[] Values) Forward(Tensor input, IReadOnlyList<Layer> layers)
    {
        var values = new LayerValues[layers.Count];
        var x = input;
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            var noisy = DenseKernels.Noisy(x, layer.Noise, layer.Leaves.Direction.dtype).DetachFromDisposeScope();
            var product = BFloat16Product.Of(noisy, false, layer.Leaves.Direction, true).DetachFromDisposeScope();
            var factor = layer.Scale.div(layer.Leaves.Norm).DetachFromDisposeScope();
            x = DenseKernels.Output(product, factor, layer.Bias, layer.Rectified);
            values[i] = new LayerValues(noisy, product, factor, layer.Rectified ? x.DetachFromDisposeScope() : null);
        }
        return (x, values);
    }

    /// <summary>
    /// The gradients of the node's inputs in <see cref="Of"/>'s order (the leaves' as null: they go to the leaves), the
    /// input's only when <paramref name="inputGradient"/>; frees <paramref name="values"/>.
    /// </summary>
    private static List<Tensor> Backward(IReadOnlyList<Layer> layers, LayerValues[] values, bool inputGradient, Tensor outputGradient)
    {
        var gradients = new List<Tensor>(new Tensor[2 + TensorsPerLayer * layers.Count]);
        try
        {
            var gradient = outputGradient.contiguous();
            for (int i = layers.Count - 1; i >= 0; i--)
            {
                var (layer, saved) = (layers[i], values[i]);
                using var above = gradient;
                var (biasGradient, factorGradient, productGradient) = LayerGradients(above, saved);
                using var _ = productGradient;
                gradients[5 + TensorsPerLayer * i] = biasGradient;
                if (layer.Scale.requires_grad)
                    gradients[4 + TensorsPerLayer * i] = factorGradient.div(layer.Leaves.Norm);
                layer.Leaves.Receive(BFloat16Product.Of(productGradient, true, saved.Input, false), factorGradient, saved.Factor);
                if (i == 0)
                {
                    if (inputGradient)
                    {
                        using var rows = BFloat16Product.Of(productGradient, false, layer.Leaves.Direction, false);
                        gradients[0] = rows.to(ScalarType.Float32);
                    }
                    break;
                }
                gradient = BFloat16Product.Of(productGradient, false, layer.Leaves.Direction, false);
            }
            return gradients;
        }
        finally
        {
            foreach (var saved in values)
                saved.Dispose();
        }
    }

    /// <summary>
    /// One layer's gradients of b and of g / ||v|| (sums over rows) and of its product, from the gradient of its output
    /// <paramref name="above"/>: in bfloat16, the sums in the same pass (<see cref="DenseKernels.LayerGradientSums"/>), the
    /// order the seed protocol judged; in float32, libtorch's sums, as the modules add.
    /// </summary>
    private static (Tensor BiasGradient, Tensor FactorGradient, Tensor ProductGradient) LayerGradients(Tensor above, LayerValues saved)
    {
        if (saved.Input.dtype == ScalarType.BFloat16)
            return DenseKernels.LayerGradientSums(above, saved.Output, saved.Product, saved.Factor, saved.Input.dtype);
        var (masked, timesProduct, productGradient) = DenseKernels.LayerGradients(above, saved.Output, saved.Product, saved.Factor, saved.Input.dtype);
        using (masked)
        using (timesProduct)
            return (masked.sum([0L]), timesProduct.sum([0L]), productGradient);
    }

    /// <summary>
    /// One training pass of the layers run by <see cref="Run"/>: <see cref="Output"/> is the last layer's output (float32
    /// [rows, outputs], no autograd history), and <see cref="Backward"/>, given its gradient, sets each layer's scale and
    /// bias gradients where they are trained and hands the leaves theirs, as the node's backward pass and autograd would.
    /// </summary>
    internal sealed class Pass : IDisposable
    {
        private readonly IReadOnlyList<Layer> _layers;
        private LayerValues[]? _values;

        internal Pass(Tensor output, IReadOnlyList<Layer> layers, LayerValues[] values)
        {
            Output = output;
            _layers = layers;
            _values = values;
        }

        /// <summary>The last layer's output.</summary>
        public Tensor Output { get; }

        /// <summary>Runs the backward pass for the output's gradient <paramref name="outputGradient"/>; once only.</summary>
        public void Backward(Tensor outputGradient)
        {
            var values = _values ?? throw new InvalidOperationException("The pass's backward pass has already run.");
            _values = null;
            var gradients = TrainingLogits.Backward(_layers, values, inputGradient: false, outputGradient);
            for (int i = 0; i < _layers.Count; i++)
            {
                Assign(_layers[i].Scale, gradients[4 + TensorsPerLayer * i]);
                Assign(_layers[i].Bias, gradients[5 + TensorsPerLayer * i]);
            }
        }

        private static void Assign(Tensor parameter, Tensor? gradient)
        {
            if (gradient is null)
                return;
            using (gradient)
            {
                if (parameter.requires_grad)
                    parameter.grad = gradient;
            }
        }

        public void Dispose()
        {
            Output.Dispose();
            if (_values is null)
                return;
            foreach (var saved in _values)
                saved.Dispose();
            _values = null;
        }
    }
}
