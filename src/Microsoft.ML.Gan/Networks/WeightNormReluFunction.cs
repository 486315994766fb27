using System.Runtime.InteropServices;
using Microsoft.ML.Gan.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// A hidden layer of the permutation-invariant discriminator as one autograd node on the CPU: Gaussian noise on the input,
/// the weight-normalised dense layer y = (x v^T) * (g / ||v||) + b in the layer's product type, and ReLU; or, while the
/// layer is frozen in bfloat16 (<see cref="WeightNormDense.Freeze"/>), the folded weight's product plus the bias and
/// ReLU, with a gradient for the input only. The products, the norm and the sums over rows are libtorch's; the
/// elementwise work between them runs in single passes on libtorch's OpenMP threads (<see cref="DenseReluKernels"/>)
/// instead of libtorch's separate kernels for the noise, the casts, scale, bias and ReLU and their gradients. The output
/// and every gradient are what libtorch's kernels and autograd compute for <see cref="GaussianNoise"/>,
/// <see cref="WeightNormDense.forward"/> and ReLU, to the bit.
/// </summary>
internal sealed class WeightNormReluFunction : autograd.SingleTensorFunction<WeightNormReluFunction>
{
    /// <summary>Elements below which a pass runs on the calling thread: libtorch's <c>at::internal::GRAIN_SIZE</c>.</summary>
    private const long GrainSize = 32768;

    public override string Name => nameof(WeightNormReluFunction);

    /// <summary>
    /// Whether <see cref="Apply"/> computes <paramref name="layer"/> for <paramref name="input"/>: a float32 matrix of more
    /// than one row on the CPU, and either the direction trained with a gradient wanted, or the layer frozen in bfloat16
    /// (frozen in float32, libtorch's product adds the bias inside the matrix multiply, which these passes cannot repeat).
    /// </summary>
    public static bool Applies(Tensor input, WeightNormDense layer) =>
        input.device.type == DeviceType.CPU && input.dtype == ScalarType.Float32 && input.dim() == 2 && input.shape[0] > 1
        && (layer.FrozenWeight is null
            ? layer.Direction.requires_grad && is_grad_enabled() && layer.ProductType is ScalarType.Float32 or ScalarType.BFloat16
            : layer.ProductType == ScalarType.BFloat16);

    /// <summary>relu(<paramref name="layer"/>(input + noise)) with the noise of <paramref name="inputNoise"/>, where <see cref="Applies"/>.</summary>
    public static Tensor Apply(Tensor input, WeightNormDense layer, GaussianNoise inputNoise)
    {
        using var contiguous = input.contiguous();
        using var noise = inputNoise.Draw(input.shape, input.device);
        var call = new Call(layer.ProductType, noise, (float)inputNoise.StandardDeviation, layer.FrozenWeight);
        try
        {
            return apply(contiguous, layer.Direction, layer.Scale, layer.Bias, call);
        }
        finally
        {
            foreach (var t in call.Temporaries)
                t.Dispose();
        }
    }

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (input, v, g, b, call) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2], (Tensor)vars[3], (Call)vars[4]);
        return call.ProductType == ScalarType.BFloat16 ? Forward<ushort>(ctx, input, v, g, b, call) : Forward<float>(ctx, input, v, g, b, call);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        using var noGradient = no_grad();
        var state = (State)ctx.get_data(nameof(State));
        using var dy = grad_output.contiguous();
        var saved = ctx.get_saved_variables();
        try
        {
            var (rounded, weight, product, y, v, g, norm) = (saved[0], saved[1], saved[2], saved[3], saved[4], saved[5], saved[6]);
            return state.ProductType == ScalarType.BFloat16
                ? Backward<ushort>(state, dy, rounded, weight, product, y, v, g, norm)
                : Backward<float>(state, dy, rounded, weight, product, y, v, g, norm);
        }
        finally
        {
            foreach (var t in saved)
                t.Dispose();
        }
    }

    private static Tensor Forward<T>(autograd.AutogradContext ctx, Tensor input, Tensor v, Tensor g, Tensor b, Call call) where T : unmanaged
    {
        using var noGradient = no_grad();
        var type = call.ProductType;
        Tensor weight, norm;
        float[] factor;
        if (call.FrozenWeight is Tensor frozen)
        {
            weight = frozen.alias();
            norm = empty(0);
            factor = Enumerable.Repeat(1f, (int)b.shape[0]).ToArray();
        }
        else
        {
            norm = EuclideanNorm.Over(v, 1L);
            using var factorTensor = g.div(norm);
            factor = Floats(factorTensor).ToArray();
            weight = type == ScalarType.Float32 ? v.alias() : v.to(type);
        }
        var rounded = empty(input.shape, type);
        var noise = call.Noise;
        OpenMpTeam.For((int)input.shape[0], (start, end) =>
            DenseReluKernels.NoisyInput(Rows<float>(input, start, end), noise is null ? default : Rows<float>(noise, start, end), call.NoiseStandardDeviation,
                Rows<T>(rounded, start, end)), Threads(input));
        using var transposed = weight.t();
        var product = rounded.mm(transposed);
        var y = empty([input.shape[0], b.shape[0]]);
        OpenMpTeam.For((int)input.shape[0], (start, end) =>
            DenseReluKernels.Activation(Rows<T>(product, start, end), factor, Floats(b), Rows<float>(y, start, end)), Threads(y));
        ctx.save_for_backward([rounded, weight, product, y, v, g, norm]);
        call.Temporaries.AddRange([rounded, weight, product, y, norm]);
        bool trained = call.FrozenWeight is null;
        ctx.save_data(nameof(State), new State(type, factor, input.requires_grad, trained && v.requires_grad, trained && g.requires_grad,
            trained && b.requires_grad));
        return y;
    }

    /// <summary>
    /// The gradients in the order libtorch's autograd computes them for the composed layer: ReLU, then addcmul's (the
    /// bias's and the factor's sums over rows), the product's (through the cast), and the direction's through the norm
    /// (g / n, sqrt, the sum and v * v) added to the product's.
    /// </summary>
    private static List<Tensor> Backward<T>(State state, Tensor dy, Tensor rounded, Tensor weight, Tensor product, Tensor y, Tensor v, Tensor g, Tensor norm)
        where T : unmanaged
    {
        using var masked = state.BiasGradient ? empty_like(y) : null;
        using var factorTerms = state.DirectionGradient || state.ScaleGradient ? empty_like(y) : null;
        using var productGradient = empty_like(product);
        OpenMpTeam.For((int)y.shape[0], (start, end) => DenseReluKernels.ActivationGradient(Rows<float>(dy, start, end), Rows<float>(y, start, end),
            Rows<T>(product, start, end), state.Factor, masked is null ? default : Rows<float>(masked, start, end),
            factorTerms is null ? default : Rows<float>(factorTerms, start, end),
            Rows<T>(productGradient, start, end)), Threads(y));
        using var factorGradient = factorTerms?.sum(0L);
        var biasGradient = masked?.sum(0L);

        Tensor? inputGradient = null, directionGradient = null, scaleGradient = null;
        if (state.InputGradient)
        {
            using var narrow = productGradient.mm(weight);
            inputGradient = narrow.to(ScalarType.Float32);
        }
        if (state.DirectionGradient)
        {
            var gradients = Floats(factorGradient!);
            var scale = Floats(g);
            var norms = Floats(norm);
            using var transposedGradient = productGradient.t();
            using var directionProduct = transposedGradient.mm(rounded);
            var normTerm = new float[norms.Length];
            for (int o = 0; o < normTerm.Length; o++)
            {
                float normGradient = -gradients[o] * (scale[o] / norms[o] / norms[o]);
                normTerm[o] = normGradient / (2 * norms[o]);
            }
            var gradient = directionGradient = empty_like(v);
            OpenMpTeam.For(normTerm.Length, (start, end) => DenseReluKernels.DirectionGradient(Rows<T>(directionProduct, start, end), Rows<float>(v, start, end),
                normTerm.AsSpan(start, end - start), Rows<float>(gradient, start, end)), Threads(v));
        }
        if (state.ScaleGradient)
        {
            var gradients = Floats(factorGradient!);
            var norms = Floats(norm);
            var scaleGradients = new float[norms.Length];
            for (int o = 0; o < scaleGradients.Length; o++)
                scaleGradients[o] = gradients[o] / norms[o];
            scaleGradient = tensor(scaleGradients);
        }
        return [inputGradient!, directionGradient!, scaleGradient!, biasGradient!, null!];
    }

    /// <summary>
    /// Threads for a pass over <paramref name="t"/>: libtorch's team (0) from libtorch's grain size of 32,768 elements, one
    /// below it, where starting the team costs more than it saves (as libtorch decides for its own kernels).
    /// </summary>
    private static int Threads(Tensor t) => t.numel() >= GrainSize ? 0 : 1;

    /// <summary>Rows <paramref name="start"/> .. <paramref name="end"/> - 1 of a contiguous CPU tensor's values.</summary>
    private static Span<T> Rows<T>(Tensor t, int start, int end) where T : unmanaged
    {
        var values = MemoryMarshal.Cast<byte, T>(t.bytes);
        int columns = (int)(values.Length / t.shape[0]);
        return values.Slice(start * columns, (end - start) * columns);
    }

    private static Span<float> Floats(Tensor t) => MemoryMarshal.Cast<byte, float>(t.bytes);

    /// <summary>
    /// What a call needs besides its differentiable inputs: the product type, the input's noise (null: none) with its
    /// deviation, and the folded weight in the product type while the layer is frozen (null otherwise). Forward adds the
    /// tensors it makes to <see cref="Temporaries"/>: TorchSharp saves them for the backward pass once forward has
    /// returned, so <see cref="Apply"/> releases them after that.
    /// </summary>
    private sealed record Call(ScalarType ProductType, Tensor? Noise, float NoiseStandardDeviation, Tensor? FrozenWeight)
    {
        public List<Tensor> Temporaries { get; } = [];
    }

    /// <summary>What the backward pass needs besides the saved tensors: g / ||v|| per output (1 while frozen) and which gradients to compute.</summary>
    private sealed record State(ScalarType ProductType, float[] Factor, bool InputGradient, bool DirectionGradient, bool ScaleGradient, bool BiasGradient);
}
