using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Microsoft.ML.Gan.Runtime;
using static Microsoft.ML.Gan.Networks.BFloat16Rounding;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// The elementwise passes around a noisy dense layer's product, in bfloat16 or float32, each one pass where the module's
/// operations take two to four kernels: the noisy input in the product's type, the scaled and shifted (and rectified)
/// output; backward, the gradient masked by ReLU in the product's type, or a weight-normalised layer's three gradient
/// terms. Each value is rounded as libtorch's kernels round those operations: the noise's add with alpha and addcmul's
/// scale and shift are fused multiply-adds (as its compiler contracts them), casts round to nearest even (NaN to 0x7FC0),
/// ReLU is maxps against 0 (clamp_min). Tests hold them to libtorch's values bit for bit; the sums over rows of
/// <see cref="LayerGradientSums"/> follow an order of their own. Large tensors are shared among
/// libtorch's own threads, as its kernels share them (<see cref="TensorMemory.ParallelFrom"/>).
/// </summary>
internal static unsafe class DenseKernels
{
    private const int Block = GaussianNoiseSource.Block;

    /// <summary>Rows summed in a run before the run's sum joins a column's total (<see cref="LayerGradientSums"/>).</summary>
    private const int SumRun = 16;

    /// <summary>
    /// x + s e in <paramref name="type"/> (bfloat16 or float32), e the next draw of <paramref name="noise"/>, generated block
    /// by block in the same pass (the noise is counter-based, so its values do not depend on how its blocks are split); x in
    /// <paramref name="type"/> when <paramref name="noise"/> is null.
    /// </summary>
    public static Tensor Noisy(Tensor x, GaussianNoise? noise, ScalarType type) => Noisy(x, x.shape[0], noise?.NextKeys(), null, noise?.Level ?? 0, type);

    /// <summary>
    /// x + s e in <paramref name="type"/> for rows that two passes would have taken separately: e is draw
    /// <paramref name="first"/> for the first <paramref name="rows"/> rows and draw <paramref name="second"/> for the rest;
    /// x in <paramref name="type"/> without draws.
    /// </summary>
    public static Tensor Noisy(Tensor x, long rows, GaussianNoiseSource.Keys? first, GaussianNoiseSource.Keys? second, float level, ScalarType type)
    {
        using var values = x.contiguous();
        var result = empty(values.shape, type);
        long split = rows * values.shape[1];
        float* input = TensorMemory.Address<float>(values);
        var output = Destination.Of(result);
        Run(new NoisyPass(input, output, first, level), split, &NoisyRange);
        if (split < values.numel())
            Run(new NoisyPass(input + split, output.From(split), second, level), values.numel() - split, &NoisyRange);
        return result;
    }

    /// <summary>
    /// p * s + b per row (float32, one rounding) from the product <paramref name="product"/> [rows, outputs] (bfloat16 or
    /// float32), with the scale <paramref name="scale"/> (or none) and the shift <paramref name="bias"/> [outputs]; then
    /// max(., 0) when <paramref name="rectified"/>.
    /// </summary>
    public static Tensor Output(Tensor product, Tensor? scale, Tensor bias, bool rectified)
    {
        var result = empty(product.shape, ScalarType.Float32);
        var pass = new OutputPass(Values.Of(product, null), scale is null ? null : TensorMemory.Address<float>(scale), TensorMemory.Address<float>(bias),
            TensorMemory.Address<float>(result), (int)product.shape[1], rectified);
        Run(pass, product.numel(), &OutputRange);
        return result;
    }

    /// <summary>
    /// The gradient <paramref name="gradient"/> (float32, or bfloat16) where <paramref name="output"/> &gt; 0, else 0, in
    /// <paramref name="type"/>: ReLU's backward pass, then the product's cast (to bfloat16, or none in float32).
    /// </summary>
    public static Tensor Masked(Tensor gradient, Tensor output, ScalarType type)
    {
        var result = empty(gradient.shape, type);
        Run(new MaskedPass(Values.Of(gradient, output), Destination.Of(result)), gradient.numel(), &MaskedRange);
        return result;
    }

    /// <summary>
    /// A weight-normalised layer's backward pass from the gradient of its output y = p * s + b (rectified when
    /// <paramref name="output"/> is given): g, the gradient (float32, or bfloat16) masked by ReLU, which b's gradient sums;
    /// g * p, which s's gradient sums; and g * s, the gradient of the product p [rows, outputs] (float32, or bfloat16), in
    /// <paramref name="type"/>, the type of the product's operands (bfloat16 or float32).
    /// </summary>
    public static (Tensor Gradient, Tensor TimesProduct, Tensor ProductGradient) LayerGradients(Tensor gradient, Tensor? output, Tensor product, Tensor scale, ScalarType type)
    {
        var masked = empty(gradient.shape, ScalarType.Float32);
        var timesProduct = empty(gradient.shape, ScalarType.Float32);
        var productGradient = empty(gradient.shape, type);
        var pass = new GradientPass(Values.Of(gradient, output), Values.Of(product, null), TensorMemory.Address<float>(scale),
            TensorMemory.Address<float>(masked), TensorMemory.Address<float>(timesProduct), Destination.Of(productGradient), (int)gradient.shape[1]);
        Run(pass, gradient.numel(), &LayerGradientsRange);
        return (masked, timesProduct, productGradient);
    }

    /// <summary>
    /// <see cref="LayerGradients"/> with g and g * p summed over rows in the same pass, where their sums are all that is
    /// needed: with g the gradient (float32, or bfloat16) masked by ReLU, the column sums of g
    /// (b's gradient) and of g * p (the gradient of s), float32 [outputs], and g * s, the gradient of the product p
    /// [rows, outputs] (float32, or bfloat16), in <paramref name="type"/>, the type of the product's operands (bfloat16 or
    /// float32). Each column sums its rows in runs of <see cref="SumRun"/> rows, then the runs' sums in order from 0, so its
    /// sums do not depend on how the runs are shared among threads.
    /// </summary>
    public static (Tensor BiasGradient, Tensor FactorGradient, Tensor ProductGradient) LayerGradientSums(Tensor gradient, Tensor? output, Tensor product, Tensor scale, ScalarType type)
    {
        long rows = gradient.shape[0];
        int columns = (int)gradient.shape[1];
        int runs = (int)((rows + SumRun - 1) / SumRun);
        var biasGradient = empty([columns], ScalarType.Float32);
        var factorGradient = empty([columns], ScalarType.Float32);
        var productGradient = empty(gradient.shape, type);
        using var runSums = empty([runs, 2, columns], ScalarType.Float32);
        var pass = new GradientSumsPass(Values.Of(gradient, output), Values.Of(product, null), TensorMemory.Address<float>(scale), TensorMemory.Address<float>(runSums),
            Destination.Of(productGradient), rows, columns);
        OpenMpTeam.For(runs, (first, end) => LayerGradientRuns(pass, first, end), threads: gradient.numel() < TensorMemory.ParallelFrom ? 1 : 0);
        SumRuns(pass.RunSums, runs, columns, TensorMemory.Address<float>(biasGradient), TensorMemory.Address<float>(factorGradient));
        return (biasGradient, factorGradient, productGradient);
    }

    /// <summary>Runs <paramref name="range"/> over <paramref name="count"/> values in blocks of 16, on libtorch's threads from <see cref="TensorMemory.ParallelFrom"/> values.</summary>
    private static void Run<T>(T pass, long count, delegate*<in T, long, long, void> range) where T : unmanaged
    {
        long blocks = (count + Block - 1) / Block;
        OpenMpTeam.For((int)blocks, (first, end) => range(pass, first * (long)Block, Math.Min(end * (long)Block, count)),
            threads: count < TensorMemory.ParallelFrom ? 1 : 0);
    }

    private static void NoisyRange(in NoisyPass pass, long start, long end)
    {
        const int chunk = 32 * Block;
        float* x = pass.Input;
        var result = pass.Result;
        var level = Vector256.Create(pass.Level);
        Span<float> noise = stackalloc float[chunk];
        for (long first = start; first < end; first += chunk)
        {
            int length = (int)Math.Min(chunk, end - first);
            if (pass.Keys is { } keys)
                GaussianNoiseSource.FillBlocks(noise[..length], (int)(first / Block), keys);
            int i = 0;
            for (; i + Block <= length; i += Block)
            {
                var low = Vector256.Load(x + first + i);
                var high = Vector256.Load(x + first + i + 8);
                if (pass.Keys is not null)
                {
                    low = Fma.MultiplyAdd(Vector256.Create(noise.Slice(i, 8)), level, low);
                    high = Fma.MultiplyAdd(Vector256.Create(noise.Slice(i + 8, 8)), level, high);
                }
                result.Store(first + i, low, high);
            }
            for (; i < length; i++)
                result.Store(first + i, pass.Keys is null ? x[first + i] : MathF.FusedMultiplyAdd(noise[i], pass.Level, x[first + i]));
        }
    }

    private static void OutputRange(in OutputPass pass, long start, long end)
    {
        var zero = Vector256<float>.Zero;
        for (long i = start; i < end;)
        {
            var (column, rowEnd) = InRow(i, end, pass.Columns);
            for (; i + 8 <= rowEnd; i += 8, column += 8)
            {
                var bias = Vector256.Load(pass.Bias + column);
                var value = pass.Scale is not null ? Fma.MultiplyAdd(pass.Product.Load(i), Vector256.Load(pass.Scale + column), bias) : pass.Product.Load(i) + bias;
                (pass.Rectified ? Avx.Max(zero, value) : value).Store(pass.Result + i);
            }
            for (; i < rowEnd; i++, column++)
            {
                float product = pass.Product[i];
                float value = pass.Scale is not null ? MathF.FusedMultiplyAdd(product, pass.Scale[column], pass.Bias[column]) : product + pass.Bias[column];
                pass.Result[i] = pass.Rectified && value < 0 ? 0f : value;
            }
        }
    }

    private static void MaskedRange(in MaskedPass pass, long start, long end)
    {
        long i = start;
        for (; i + Block <= end; i += Block)
            pass.Result.Store(i, pass.Gradient.Load(i), pass.Gradient.Load(i + 8));
        for (; i < end; i++)
            pass.Result.Store(i, pass.Gradient[i]);
    }

    private static void LayerGradientsRange(in GradientPass pass, long start, long end)
    {
        for (long i = start; i < end;)
        {
            var (column, rowEnd) = InRow(i, end, pass.Columns);
            for (; i + Block <= rowEnd; i += Block, column += Block)
            {
                var low = pass.Gradient.Load(i);
                var high = pass.Gradient.Load(i + 8);
                low.Store(pass.Masked + i);
                high.Store(pass.Masked + i + 8);
                (low * pass.Product.Load(i)).Store(pass.TimesProduct + i);
                (high * pass.Product.Load(i + 8)).Store(pass.TimesProduct + i + 8);
                pass.ProductGradient.Store(i, low * Vector256.Load(pass.Scale + column), high * Vector256.Load(pass.Scale + column + 8));
            }
            for (; i < rowEnd; i++, column++)
            {
                float value = pass.Gradient[i];
                pass.Masked[i] = value;
                pass.TimesProduct[i] = value * pass.Product[i];
                pass.ProductGradient.Store(i, value * pass.Scale[column]);
            }
        }
    }

    /// <summary>
    /// <see cref="LayerGradientSums"/>'s pass over runs <paramref name="firstRun"/>..<paramref name="endRun"/> of
    /// <see cref="SumRun"/> rows: g * s for each row, and each run's sums of g and g * p, row after row.
    /// </summary>
    private static void LayerGradientRuns(in GradientSumsPass pass, int firstRun, int endRun)
    {
        int columns = pass.Columns;
        for (int run = firstRun; run < endRun; run++)
        {
            float* bias = pass.RunSums + 2L * run * columns;
            float* factor = bias + columns;
            long firstRow = (long)run * SumRun, endRow = Math.Min(firstRow + SumRun, pass.Rows);
            for (long row = firstRow; row < endRow; row++)
            {
                bool first = row == firstRow;
                long start = row * columns;
                int column = 0;
                for (; column + Block <= columns; column += Block)
                {
                    long i = start + column;
                    var low = pass.Gradient.Load(i);
                    var high = pass.Gradient.Load(i + 8);
                    pass.ProductGradient.Store(i, low * Vector256.Load(pass.Scale + column), high * Vector256.Load(pass.Scale + column + 8));
                    var timesLow = low * pass.Product.Load(i);
                    var timesHigh = high * pass.Product.Load(i + 8);
                    if (!first)
                    {
                        (low, high) = (Vector256.Load(bias + column) + low, Vector256.Load(bias + column + 8) + high);
                        (timesLow, timesHigh) = (Vector256.Load(factor + column) + timesLow, Vector256.Load(factor + column + 8) + timesHigh);
                    }
                    low.Store(bias + column);
                    high.Store(bias + column + 8);
                    timesLow.Store(factor + column);
                    timesHigh.Store(factor + column + 8);
                }
                for (; column < columns; column++)
                {
                    long i = start + column;
                    float value = pass.Gradient[i], times = value * pass.Product[i];
                    pass.ProductGradient.Store(i, value * pass.Scale[column]);
                    bias[column] = first ? value : bias[column] + value;
                    factor[column] = first ? times : factor[column] + times;
                }
            }
        }
    }

    /// <summary>The runs' sums of g and of g * p (<see cref="LayerGradientRuns"/>), each column's added in order from 0.</summary>
    private static void SumRuns(float* runSums, int runs, int columns, float* bias, float* factor)
    {
        for (int part = 0; part < 2; part++)
        {
            float* total = part == 0 ? bias : factor;
            int column = 0;
            for (; column + 8 <= columns; column += 8)
            {
                var sum = Vector256<float>.Zero;
                for (int run = 0; run < runs; run++)
                    sum += Vector256.Load(runSums + (2L * run + part) * columns + column);
                sum.Store(total + column);
            }
            for (; column < columns; column++)
            {
                float sum = 0;
                for (int run = 0; run < runs; run++)
                    sum += runSums[(2L * run + part) * columns + column];
                total[column] = sum;
            }
        }
    }

    /// <summary>For row-major values with <paramref name="columns"/> columns, the column of value <paramref name="i"/> and where its row ends within ..<paramref name="end"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (int Column, long RowEnd) InRow(long i, long end, int columns)
    {
        long row = i / columns;
        return ((int)(i - row * columns), Math.Min(end, (row + 1) * columns));
    }

    /// <summary>
    /// Values of a float32 or bfloat16 tensor (exact in float32), read as float32. Given a layer's output, they are a
    /// gradient as ReLU's backward pass gives it: the value where the output is &gt; 0 and 0 elsewhere (threshold_backward).
    /// </summary>
    private readonly struct Values(float* wide, ushort* narrow, float* output)
    {
        private readonly float* _wide = wide, _output = output;
        private readonly ushort* _narrow = narrow;

        public static Values Of(Tensor values, Tensor? output) => values.dtype == ScalarType.Float32
            ? new(TensorMemory.Address<float>(values), null, output is null ? null : TensorMemory.Address<float>(output))
            : new(null, TensorMemory.Address<ushort>(values), output is null ? null : TensorMemory.Address<float>(output));

        /// <summary>Values i..i+7.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<float> Load(long i)
        {
            var value = _wide is not null ? Vector256.Load(_wide + i) : Widened(_narrow + i);
            return _output is null ? value : value & ~Vector256.LessThanOrEqual(Vector256.Load(_output + i), Vector256<float>.Zero);
        }

        public float this[long i] => _output is not null && _output[i] <= 0 ? 0f : _wide is not null ? _wide[i] : Widened(_narrow[i]);
    }

    /// <summary>Where a pass writes: a float32 tensor, or a bfloat16 one, each value rounded to nearest even as a cast rounds it.</summary>
    private readonly struct Destination(float* wide, ushort* narrow)
    {
        private readonly float* _wide = wide;
        private readonly ushort* _narrow = narrow;

        public static Destination Of(Tensor tensor) => tensor.dtype == ScalarType.Float32
            ? new(TensorMemory.Address<float>(tensor), null)
            : new(null, TensorMemory.Address<ushort>(tensor));

        /// <summary>The same tensor from value <paramref name="offset"/> on.</summary>
        public Destination From(long offset) => _wide is not null ? new(_wide + offset, null) : new(null, _narrow + offset);

        /// <summary>Writes values i..i+15.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Store(long i, Vector256<float> low, Vector256<float> high)
        {
            if (_wide is not null)
            {
                low.Store(_wide + i);
                high.Store(_wide + i + 8);
            }
            else
            {
                Vector256.Narrow(Rounded(low), Rounded(high)).Store(_narrow + i);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Store(long i, float value)
        {
            if (_wide is not null)
                _wide[i] = value;
            else
                _narrow[i] = Rounded(value);
        }
    }

    private readonly struct NoisyPass(float* input, Destination result, GaussianNoiseSource.Keys? keys, float level)
    {
        public readonly float* Input = input;
        public readonly Destination Result = result;
        public readonly GaussianNoiseSource.Keys? Keys = keys;
        public readonly float Level = level;
    }

    private readonly struct OutputPass(Values product, float* scale, float* bias, float* result, int columns, bool rectified)
    {
        public readonly Values Product = product;
        public readonly float* Scale = scale, Bias = bias, Result = result;
        public readonly int Columns = columns;
        public readonly bool Rectified = rectified;
    }

    private readonly struct MaskedPass(Values gradient, Destination result)
    {
        public readonly Values Gradient = gradient;
        public readonly Destination Result = result;
    }

    private readonly struct GradientPass(Values gradient, Values product, float* scale, float* masked, float* timesProduct, Destination productGradient, int columns)
    {
        public readonly Values Gradient = gradient, Product = product;
        public readonly Destination ProductGradient = productGradient;
        public readonly float* Scale = scale, Masked = masked, TimesProduct = timesProduct;
        public readonly int Columns = columns;
    }

    private readonly struct GradientSumsPass(Values gradient, Values product, float* scale, float* runSums, Destination productGradient, long rows, int columns)
    {
        public readonly Values Gradient = gradient, Product = product;
        public readonly Destination ProductGradient = productGradient;
        public readonly float* Scale = scale, RunSums = runSums;
        public readonly long Rows = rows;
        public readonly int Columns = columns;
    }
}
