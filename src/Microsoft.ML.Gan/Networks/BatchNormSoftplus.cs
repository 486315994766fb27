using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Microsoft.ML.Gan.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// A generator's hidden layer after its product, in training mode, as one autograd node: batch normalisation with the
/// batch's statistics and a learned bias, then softplus, y = softplus(x̂ + beta) with x̂ = (h - mean) / sqrt(var + eps),
/// the mean and biased variance taken per column over the rows of h [n, C] (float32, CPU). Forward takes one pass over a
/// column's rows for its mean, one for its variance and one for the outputs, which also keeps x̂ and softplus's slope
/// sigmoid(x̂ + beta); backward takes two: dz = dy * slope with its column sums (beta's gradient) and those of dz * x̂,
/// then dh = (dz - mean(dz) - x̂ mean(dz x̂)) / sqrt(var + eps). The module's operations take eight kernels and autograd
/// nodes per layer and softplus two more. The values are theirs up to float32 rounding, not to the bit: the sums run in
/// another order, exp is .NET's vector function and log(1 + t) a short series (<see cref="Softplus"/>).
/// </summary>
internal sealed unsafe class BatchNormSoftplus : autograd.SingleTensorFunction<BatchNormSoftplus>
{
    private const string Saved = "normalized";
    private const int Width = 8;

    /// <summary>What backward needs: x̂ and softplus's slope [n, C], and 1 / sqrt(var + eps) [C].</summary>
    private sealed record SavedValues(Tensor Normalized, Tensor Slope, Tensor InverseStd) : IDisposable
    {
        public void Dispose()
        {
            Normalized.Dispose();
            Slope.Dispose();
            InverseStd.Dispose();
        }
    }

    public override string Name => nameof(BatchNormSoftplus);

    /// <summary>Whether the fused node computes this layer: float32 rows [n, C] on the CPU.</summary>
    public static bool Applies(Tensor input) => input.dim() == 2 && input.dtype == ScalarType.Float32 && input.device_type == DeviceType.CPU;

    /// <summary>softplus((h - mean) / sqrt(var + <paramref name="epsilon"/>) + <paramref name="beta"/>) for the rows <paramref name="input"/> [n, C].</summary>
    public static Tensor Of(Tensor input, Tensor beta, double epsilon)
    {
        if (is_grad_enabled() && (input.requires_grad || beta.requires_grad))
            return apply(input, beta, epsilon);
        using var values = Forward(input, beta, (float)epsilon, keep: false);
        return values.Output;
    }

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var values = Forward((Tensor)vars[0], (Tensor)vars[1], (float)(double)vars[2], keep: true);
        ctx.save_data(Saved, new SavedValues(values.Normalized!.DetachFromDisposeScope(), values.Slope!.DetachFromDisposeScope(),
            values.InverseStd.DetachFromDisposeScope()));
        return values.Output;
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        using var saved = (SavedValues)ctx.get_data(Saved);
        using var gradient = grad_output.contiguous();
        long rows = gradient.shape[0];
        int columns = (int)gradient.shape[1];
        var inputGradient = empty(gradient.shape, ScalarType.Float32);
        var betaGradient = empty(columns, ScalarType.Float32);
        var pass = new BackwardPass(TensorMemory.Address<float>(gradient), TensorMemory.Address<float>(saved.Normalized), TensorMemory.Address<float>(saved.Slope),
            TensorMemory.Address<float>(saved.InverseStd), TensorMemory.Address<float>(inputGradient), TensorMemory.Address<float>(betaGradient), rows, columns);
        Run(pass, rows, columns, &BackwardGroup, &BackwardColumn);
        return [inputGradient, betaGradient, null!];
    }

    /// <summary>The forward pass; x̂ and the slope only when <paramref name="keep"/>.</summary>
    private static ForwardValues Forward(Tensor input, Tensor beta, float epsilon, bool keep)
    {
        using var rowsOfH = input.detach().contiguous();
        using var shift = beta.detach().contiguous();
        long rows = rowsOfH.shape[0];
        int columns = (int)rowsOfH.shape[1];
        var values = new ForwardValues(empty(rowsOfH.shape, ScalarType.Float32), keep ? empty(rowsOfH.shape, ScalarType.Float32) : null,
            keep ? empty(rowsOfH.shape, ScalarType.Float32) : null, empty(columns, ScalarType.Float32));
        var pass = new ForwardPass(TensorMemory.Address<float>(rowsOfH), TensorMemory.Address<float>(shift), epsilon, TensorMemory.Address<float>(values.Output),
            keep ? TensorMemory.Address<float>(values.Normalized!) : null, keep ? TensorMemory.Address<float>(values.Slope!) : null,
            TensorMemory.Address<float>(values.InverseStd), rows, columns);
        Run(pass, rows, columns, &ForwardGroup, &ForwardColumn);
        return values;
    }

    /// <summary>
    /// Calls <paramref name="group"/> for each whole group of <see cref="Width"/> columns and <paramref name="column"/>
    /// for the columns after the last; groups go to libtorch's threads from <see cref="TensorMemory.ParallelFrom"/> values.
    /// </summary>
    private static void Run<T>(T pass, long rows, int columns, delegate*<in T, int, void> group, delegate*<in T, int, void> column) where T : unmanaged
    {
        int groups = (columns + Width - 1) / Width;
        OpenMpTeam.For(groups, (first, end) =>
        {
            int c = first * Width, stop = Math.Min(end * Width, columns);
            for (; c + Width <= stop; c += Width)
                group(pass, c);
            for (; c < stop; c++)
                column(pass, c);
        }, threads: rows * columns < TensorMemory.ParallelFrom ? 1 : 0);
    }

    private static void ForwardGroup(in ForwardPass pass, int c)
    {
        long n = pass.Rows, stride = pass.Columns;
        float* h = pass.Input + c;
        var sum = Vector256<float>.Zero;
        for (long r = 0; r < n; r++)
            sum += Vector256.Load(h + r * stride);
        var count = Vector256.Create((float)n);
        var mean = sum / count;
        var squares = Vector256<float>.Zero;
        for (long r = 0; r < n; r++)
        {
            var centered = Vector256.Load(h + r * stride) - mean;
            squares += centered * centered;
        }
        var inverseStd = Vector256<float>.One / Vector256.Sqrt(squares / count + Vector256.Create(pass.Epsilon));
        inverseStd.Store(pass.InverseStd + c);
        var beta = Vector256.Load(pass.Beta + c);
        for (long r = 0; r < n; r++)
        {
            long at = r * stride + c;
            var normalized = (Vector256.Load(h + r * stride) - mean) * inverseStd;
            var (value, slope) = Softplus(normalized + beta);
            value.Store(pass.Output + at);
            if (pass.Normalized is not null)
            {
                normalized.Store(pass.Normalized + at);
                slope.Store(pass.Slope + at);
            }
        }
    }

    private static void ForwardColumn(in ForwardPass pass, int c)
    {
        long n = pass.Rows, stride = pass.Columns;
        float* h = pass.Input + c;
        float sum = 0;
        for (long r = 0; r < n; r++)
            sum += h[r * stride];
        float mean = sum / n;
        float squares = 0;
        for (long r = 0; r < n; r++)
        {
            float centered = h[r * stride] - mean;
            squares += centered * centered;
        }
        float inverseStd = 1f / MathF.Sqrt(squares / n + pass.Epsilon);
        pass.InverseStd[c] = inverseStd;
        for (long r = 0; r < n; r++)
        {
            long at = r * stride + c;
            float normalized = (h[r * stride] - mean) * inverseStd;
            var (value, slope) = Softplus(Vector256.Create(normalized + pass.Beta[c]));
            pass.Output[at] = value.GetElement(0);
            if (pass.Normalized is not null)
            {
                pass.Normalized[at] = normalized;
                pass.Slope[at] = slope.GetElement(0);
            }
        }
    }

    private static void BackwardGroup(in BackwardPass pass, int c)
    {
        long n = pass.Rows, stride = pass.Columns;
        var sum = Vector256<float>.Zero;
        var sumTimesNormalized = Vector256<float>.Zero;
        for (long r = 0; r < n; r++)
        {
            long at = r * stride + c;
            var z = Vector256.Load(pass.Gradient + at) * Vector256.Load(pass.Slope + at);
            z.Store(pass.InputGradient + at);
            sum += z;
            sumTimesNormalized += z * Vector256.Load(pass.Normalized + at);
        }
        sum.Store(pass.BetaGradient + c);
        var count = Vector256.Create((float)n);
        var mean = sum / count;
        var meanTimesNormalized = sumTimesNormalized / count;
        var inverseStd = Vector256.Load(pass.InverseStd + c);
        for (long r = 0; r < n; r++)
        {
            long at = r * stride + c;
            var z = Vector256.Load(pass.InputGradient + at);
            ((z - mean - Vector256.Load(pass.Normalized + at) * meanTimesNormalized) * inverseStd).Store(pass.InputGradient + at);
        }
    }

    private static void BackwardColumn(in BackwardPass pass, int c)
    {
        long n = pass.Rows, stride = pass.Columns;
        float sum = 0, sumTimesNormalized = 0;
        for (long r = 0; r < n; r++)
        {
            long at = r * stride + c;
            float z = pass.Gradient[at] * pass.Slope[at];
            pass.InputGradient[at] = z;
            sum += z;
            sumTimesNormalized += z * pass.Normalized[at];
        }
        pass.BetaGradient[c] = sum;
        float mean = sum / n, meanTimesNormalized = sumTimesNormalized / n;
        for (long r = 0; r < n; r++)
        {
            long at = r * stride + c;
            pass.InputGradient[at] = (pass.InputGradient[at] - mean - pass.Normalized[at] * meanTimesNormalized) * pass.InverseStd[c];
        }
    }

    /// <summary>
    /// softplus(y) = max(y, 0) + log(1 + t) with t = exp(-|y|), and its slope sigmoid(y): 1 / (1 + t) for y &gt;= 0, else
    /// t / (1 + t). As t is in (0, 1], log(1 + t) = 2 atanh(s) with s = t / (2 + t) in (0, 1/3], whose series
    /// 2 (s + s^3/3 + ... + s^13/13) leaves out less than 2e-8 of it, relative, and is exact where t is tiny.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> Value, Vector256<float> Slope) Softplus(Vector256<float> y)
    {
        var one = Vector256<float>.One;
        var t = Vector256.Exp(-Vector256.Abs(y));
        var s = t / (Vector256.Create(2f) + t);
        var w = s * s;
        var series = Vector256.Create(1f / 13);
        series = Vector256.FusedMultiplyAdd(series, w, Vector256.Create(1f / 11));
        series = Vector256.FusedMultiplyAdd(series, w, Vector256.Create(1f / 9));
        series = Vector256.FusedMultiplyAdd(series, w, Vector256.Create(1f / 7));
        series = Vector256.FusedMultiplyAdd(series, w, Vector256.Create(1f / 5));
        series = Vector256.FusedMultiplyAdd(series, w, Vector256.Create(1f / 3));
        series = Vector256.FusedMultiplyAdd(series, w, one);
        var value = Vector256.FusedMultiplyAdd(s + s, series, Vector256.Max(y, Vector256<float>.Zero));
        var slope = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(y, Vector256<float>.Zero), one, t) / (one + t);
        return (value, slope);
    }

    /// <summary>The forward pass's tensors: the output, x̂ and the slope (null unless kept), and 1 / sqrt(var + eps).</summary>
    private readonly record struct ForwardValues(Tensor Output, Tensor? Normalized, Tensor? Slope, Tensor InverseStd) : IDisposable
    {
        public void Dispose()
        {
            Normalized?.Dispose();
            Slope?.Dispose();
            InverseStd.Dispose();
        }
    }

    private readonly struct ForwardPass(float* input, float* beta, float epsilon, float* output, float* normalized, float* slope, float* inverseStd, long rows, int columns)
    {
        public readonly float* Input = input, Beta = beta, Output = output, Normalized = normalized, Slope = slope, InverseStd = inverseStd;
        public readonly float Epsilon = epsilon;
        public readonly long Rows = rows;
        public readonly int Columns = columns;
    }

    private readonly struct BackwardPass(float* gradient, float* normalized, float* slope, float* inverseStd, float* inputGradient, float* betaGradient, long rows, int columns)
    {
        public readonly float* Gradient = gradient, Normalized = normalized, Slope = slope, InverseStd = inverseStd, InputGradient = inputGradient, BetaGradient = betaGradient;
        public readonly long Rows = rows;
        public readonly int Columns = columns;
    }
}
