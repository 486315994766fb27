using System.Runtime.InteropServices;
using Microsoft.ML.Gan.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// A hidden layer of the permutation-invariant discriminator as one autograd node on the CPU: Gaussian noise on the
/// input, the weight-normalised dense layer y = (x v^T) * (g / ||v||) + b in the layer's product type, and ReLU. The two
/// products (and the two of the backward pass) are libtorch's; the elementwise work around them runs in single passes
/// (<see cref="DenseReluKernels"/>) instead of libtorch's separate kernels for noise, casts, norm, scale, bias and ReLU
/// and their gradients. While the layer is frozen (<see cref="WeightNormDense.Freeze"/>) it multiplies by the folded
/// weight and only the input gets a gradient.
/// </summary>
internal sealed class WeightNormReluFunction : autograd.SingleTensorFunction<WeightNormReluFunction>
{
    public override string Name => nameof(WeightNormReluFunction);

    /// <summary>relu(<paramref name="layer"/>(input + noise)) with the noise of <paramref name="inputNoise"/>; <paramref name="input"/> is [rows, inputs] on the CPU.</summary>
    public static Tensor Apply(Tensor input, WeightNormDense layer, GaussianNoise inputNoise)
    {
        using var contiguous = input.contiguous();
        using var noise = inputNoise.Draw(input.shape, input.device);
        return apply(contiguous, layer.Direction, layer.Scale, layer.Bias, new Call(layer, noise, (float)inputNoise.StandardDeviation));
    }

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (input, v, g, b, call) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2], (Tensor)vars[3], (Call)vars[4]);
        return call.Layer.ProductType == ScalarType.BFloat16 ? Forward<ushort>(ctx, input, v, g, b, call) : Forward<float>(ctx, input, v, g, b, call);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var state = (State)ctx.get_data(nameof(State));
        using var dy = grad_output.contiguous();
        return state.ProductType == ScalarType.BFloat16 ? Backward<ushort>(ctx, state, dy) : Backward<float>(ctx, state, dy);
    }

    private static Tensor Forward<T>(autograd.AutogradContext ctx, Tensor input, Tensor v, Tensor g, Tensor b, Call call) where T : unmanaged
    {
        var type = call.Layer.ProductType;
        long rows = input.shape[0], outputs = b.shape[0];
        var frozen = call.Layer.FrozenWeight;
        Tensor weight;
        float[]? factor = null, norm = null;
        if (frozen is not null)
            weight = frozen.alias();
        else
        {
            var squares = new float[outputs];
            weight = type == ScalarType.Float32 ? v.alias() : empty(v.shape, type);
            bool round = type != ScalarType.Float32;
            OpenMpTeam.For((int)outputs, (_, start, end) =>
                DenseReluKernels.Direction(Rows<float>(v, start, end), round ? Rows<T>(weight, start, end) : default, squares.AsSpan(start, end - start)));
            var scale = Floats(g);
            norm = new float[outputs];
            factor = new float[outputs];
            for (int o = 0; o < outputs; o++)
            {
                norm[o] = MathF.Sqrt(squares[o]);
                factor[o] = scale[o] / norm[o];
            }
        }
        var rounded = empty(input.shape, type);
        var noise = call.Noise;
        float sigma = call.NoiseStandardDeviation;
        OpenMpTeam.For((int)rows, (_, start, end) =>
            DenseReluKernels.NoisyInput(Rows<float>(input, start, end), noise is null ? default : Rows<float>(noise, start, end), sigma, Rows<T>(rounded, start, end)));
        var product = rounded.matmul(weight.t());
        var y = empty([rows, outputs]);
        OpenMpTeam.For((int)rows, (_, start, end) => DenseReluKernels.ReluForward<T>(Rows<T>(product, start, end), factor, Floats(b), Rows<float>(y, start, end)));
        ctx.save_for_backward([rounded, weight, product, y, v, g]);
        ctx.save_data(nameof(State), new State(type, factor, norm, input.requires_grad, frozen is null && v.requires_grad,
            frozen is null && g.requires_grad, b.requires_grad));
        return y;
    }

    private static List<Tensor> Backward<T>(autograd.AutogradContext ctx, State state, Tensor dy) where T : unmanaged
    {
        var saved = ctx.get_saved_variables();
        var (rounded, weight, product, y, v, g) = (saved[0], saved[1], saved[2], saved[3], saved[4], saved[5]);
        int outputs = (int)y.shape[1];
        var productGradient = empty_like(product);
        int threads = OpenMpTeam.Threads;
        var biasSums = state.BiasGradient ? new float[threads * outputs] : null;
        var factorSums = state.DirectionGradient || state.ScaleGradient ? new float[threads * outputs] : null;
        OpenMpTeam.For((int)y.shape[0], (thread, start, end) => DenseReluKernels.ReluBackward<T>(Rows<float>(dy, start, end), Rows<float>(y, start, end),
            Rows<T>(product, start, end), state.Factor, Rows<T>(productGradient, start, end), ThreadSums(biasSums, thread, outputs), ThreadSums(factorSums, thread, outputs), outputs), threads: threads);
        var biasGradient = SumOverThreads(biasSums, outputs);
        var factorGradient = SumOverThreads(factorSums, outputs);
        Tensor? inputGradient = null, directionGradient = null, scaleGradient = null;
        if (state.InputGradient)
        {
            inputGradient = productGradient.matmul(weight);
            if (state.ProductType != ScalarType.Float32)
            {
                using var narrow = inputGradient;
                inputGradient = narrow.to(ScalarType.Float32);
            }
        }
        if (state.DirectionGradient)
        {
            using var transposed = productGradient.t();
            using var directionProduct = transposed.matmul(rounded);
            var scale = Floats(g);
            var coefficient = new float[outputs];
            for (int o = 0; o < outputs; o++)
                coefficient[o] = -factorGradient![o] * scale[o] / (state.Norm![o] * state.Norm[o] * state.Norm[o]);
            var gradient = directionGradient = empty_like(v);
            OpenMpTeam.For(outputs, (_, start, end) => DenseReluKernels.DirectionGradient<T>(Rows<T>(directionProduct, start, end), Rows<float>(v, start, end),
                coefficient.AsSpan(start, end - start), Rows<float>(gradient, start, end)));
        }
        if (state.ScaleGradient)
            scaleGradient = tensor(factorGradient!.Select((f, o) => f / state.Norm![o]).ToArray());
        var biasTensor = biasGradient is null ? null : tensor(biasGradient);
        return [inputGradient!, directionGradient!, scaleGradient!, biasTensor!, null!];
    }

    /// <summary>The per-thread sums of <see cref="DenseReluKernels.ReluBackward"/> added up, thread by thread; null for null.</summary>
    private static float[]? SumOverThreads(float[]? sums, int outputs)
    {
        if (sums is null)
            return null;
        var total = sums.AsSpan(0, outputs).ToArray();
        for (int start = outputs; start < sums.Length; start += outputs)
        {
            for (int o = 0; o < outputs; o++)
                total[o] += sums[start + o];
        }
        return total;
    }

    /// <summary>Thread <paramref name="thread"/>'s share of <paramref name="sums"/>; empty for null.</summary>
    private static Span<float> ThreadSums(float[]? sums, int thread, int outputs) => sums is null ? default : sums.AsSpan(thread * outputs, outputs);

    /// <summary>Rows <paramref name="start"/> .. <paramref name="end"/> - 1 of a contiguous CPU tensor's values.</summary>
    private static Span<T> Rows<T>(Tensor t, int start, int end) where T : unmanaged
    {
        var values = Values<T>(t);
        int columns = (int)(values.Length / t.shape[0]);
        return values.Slice(start * columns, (end - start) * columns);
    }

    private static Span<float> Floats(Tensor t) => MemoryMarshal.Cast<byte, float>(t.bytes);

    private static Span<T> Values<T>(Tensor t) where T : unmanaged => MemoryMarshal.Cast<byte, T>(t.bytes);

    /// <summary>What a call needs besides its differentiable inputs: the layer, and its input's noise (null: none) with its deviation.</summary>
    private sealed record Call(WeightNormDense Layer, Tensor? Noise, float NoiseStandardDeviation);

    /// <summary>What the backward pass needs besides the saved tensors: the scale and norm per output (null when frozen) and which gradients to compute.</summary>
    private sealed record State(ScalarType ProductType, float[]? Factor, float[]? Norm, bool InputGradient, bool DirectionGradient, bool ScaleGradient,
        bool BiasGradient);
}
