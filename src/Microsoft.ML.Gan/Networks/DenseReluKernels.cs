using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// The elementwise work around a weight-normalised dense layer with ReLU (<see cref="WeightNormReluFunction"/>), each
/// in one pass over its rows with hardware-sized vectors, where libtorch runs several kernels and passes: the direction's
/// norms with its copy in the product type, the noisy input in the product type, the scale, bias and ReLU after the
/// product, and the ReLU, bias, scale and product gradients before the backward products. Products and their gradients
/// are T: <see cref="float"/> (float32) or <see cref="ushort"/> (the bits of bfloat16, rounded to
/// nearest even as libtorch rounds).
/// </summary>
internal static class DenseReluKernels
{
    private static int Width => Vector<float>.Count;

    /// <summary>Fills <paramref name="squaredNorms"/>[o] with ||v_o||² of each row of <paramref name="v"/> and, for bfloat16, <paramref name="rounded"/> with v.</summary>
    public static void Direction<T>(ReadOnlySpan<float> v, Span<T> rounded, Span<float> squaredNorms) where T : unmanaged
    {
        int columns = v.Length / squaredNorms.Length;
        for (int o = 0; o < squaredNorms.Length; o++)
        {
            var row = v.Slice(o * columns, columns);
            var sum = Vector<float>.Zero;
            int i = 0;
            for (; i <= columns - 2 * Width; i += 2 * Width)
            {
                var low = Vector.LoadUnsafe(ref MemoryMarshal.GetReference(row), (nuint)i);
                var high = Vector.LoadUnsafe(ref MemoryMarshal.GetReference(row), (nuint)(i + Width));
                sum = Vector.FusedMultiplyAdd(low, low, sum);
                sum = Vector.FusedMultiplyAdd(high, high, sum);
                if (typeof(T) == typeof(ushort))
                    Store(rounded, o * columns + i, low, high);
            }
            float total = Vector.Sum(sum);
            for (; i < columns; i++)
            {
                total = MathF.FusedMultiplyAdd(row[i], row[i], total);
                if (typeof(T) == typeof(ushort))
                    rounded[o * columns + i] = From<T>(row[i]);
            }
            squaredNorms[o] = total;
        }
    }

    /// <summary>
    /// The folded weight g_o * v_o / ||v_o|| of each row o of <paramref name="v"/>, in the product type: the norm from one
    /// pass over the row, the scaled row from a second while it is still in the cache.
    /// </summary>
    public static void FoldedWeight<T>(ReadOnlySpan<float> v, ReadOnlySpan<float> g, Span<T> weight) where T : unmanaged
    {
        int columns = v.Length / g.Length;
        Span<float> squared = stackalloc float[1];
        for (int o = 0; o < g.Length; o++)
        {
            var row = v.Slice(o * columns, columns);
            Direction<float>(row, default, squared);
            float factor = g[o] / MathF.Sqrt(squared[0]);
            var scale = new Vector<float>(factor);
            int i = 0;
            for (; i <= columns - 2 * Width; i += 2 * Width)
            {
                var low = Vector.LoadUnsafe(ref MemoryMarshal.GetReference(row), (nuint)i) * scale;
                var high = Vector.LoadUnsafe(ref MemoryMarshal.GetReference(row), (nuint)(i + Width)) * scale;
                Store(weight, o * columns + i, low, high);
            }
            for (; i < columns; i++)
                weight[o * columns + i] = From<T>(row[i] * factor);
        }
    }

    /// <summary><paramref name="result"/> = x + sigma * noise in the product type; <paramref name="noise"/> empty: x.</summary>
    public static void NoisyInput<T>(ReadOnlySpan<float> x, ReadOnlySpan<float> noise, float sigma, Span<T> result) where T : unmanaged
    {
        bool noisy = !noise.IsEmpty;
        var scale = new Vector<float>(sigma);
        int i = 0;
        for (; i <= x.Length - 2 * Width; i += 2 * Width)
        {
            var low = Vector.LoadUnsafe(ref MemoryMarshal.GetReference(x), (nuint)i);
            var high = Vector.LoadUnsafe(ref MemoryMarshal.GetReference(x), (nuint)(i + Width));
            if (noisy)
            {
                low = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref MemoryMarshal.GetReference(noise), (nuint)i), scale, low);
                high = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref MemoryMarshal.GetReference(noise), (nuint)(i + Width)), scale, high);
            }
            Store(result, i, low, high);
        }
        for (; i < x.Length; i++)
            result[i] = From<T>(noisy ? MathF.FusedMultiplyAdd(noise[i], sigma, x[i]) : x[i]);
    }

    /// <summary>
    /// y = max(0, product * factor + bias) for each row of <paramref name="product"/> [rows, bias.Length];
    /// <paramref name="factor"/> empty (a folded weight): y = max(0, product + bias).
    /// </summary>
    public static void ReluForward<T>(ReadOnlySpan<T> product, ReadOnlySpan<float> factor, ReadOnlySpan<float> bias, Span<float> y) where T : unmanaged
    {
        int columns = bias.Length;
        bool scaled = !factor.IsEmpty;
        for (int start = 0; start < y.Length; start += columns)
        {
            int o = 0;
            for (; o <= columns - 2 * Width; o += 2 * Width)
            {
                var (low, high) = Load(product, start + o);
                if (scaled)
                {
                    low *= Vector.LoadUnsafe(ref MemoryMarshal.GetReference(factor), (nuint)o);
                    high *= Vector.LoadUnsafe(ref MemoryMarshal.GetReference(factor), (nuint)(o + Width));
                }
                low += Vector.LoadUnsafe(ref MemoryMarshal.GetReference(bias), (nuint)o);
                high += Vector.LoadUnsafe(ref MemoryMarshal.GetReference(bias), (nuint)(o + Width));
                Vector.Max(low, Vector<float>.Zero).StoreUnsafe(ref MemoryMarshal.GetReference(y), (nuint)(start + o));
                Vector.Max(high, Vector<float>.Zero).StoreUnsafe(ref MemoryMarshal.GetReference(y), (nuint)(start + o + Width));
            }
            for (; o < columns; o++)
            {
                float p = To(product[start + o]);
                y[start + o] = MathF.Max((scaled ? p * factor[o] : p) + bias[o], 0);
            }
        }
    }

    /// <summary>
    /// The gradients before the backward products, from dy and the forward output y [rows, columns]: with m = dy where
    /// y &gt; 0 and 0 elsewhere, <paramref name="productGradient"/> = m * factor (m where <paramref name="factor"/> is
    /// empty), and summed over rows, <paramref name="biasGradient"/> += m and <paramref name="factorGradient"/> += m *
    /// product, each skipped when its span is empty.
    /// </summary>
    public static void ReluBackward<T>(ReadOnlySpan<float> dy, ReadOnlySpan<float> y, ReadOnlySpan<T> product, ReadOnlySpan<float> factor,
        Span<T> productGradient, Span<float> biasGradient, Span<float> factorGradient, int columns) where T : unmanaged
    {
        bool scaled = !factor.IsEmpty, bias = !biasGradient.IsEmpty, scale = !factorGradient.IsEmpty;
        for (int start = 0; start < y.Length; start += columns)
        {
            int o = 0;
            for (; o <= columns - 2 * Width; o += 2 * Width)
            {
                var low = Masked(dy, y, start + o);
                var high = Masked(dy, y, start + o + Width);
                if (bias)
                {
                    Accumulate(biasGradient, o, low);
                    Accumulate(biasGradient, o + Width, high);
                }
                if (scale)
                {
                    var (productLow, productHigh) = Load(product, start + o);
                    Accumulate(factorGradient, o, low * productLow);
                    Accumulate(factorGradient, o + Width, high * productHigh);
                }
                if (scaled)
                {
                    low *= Vector.LoadUnsafe(ref MemoryMarshal.GetReference(factor), (nuint)o);
                    high *= Vector.LoadUnsafe(ref MemoryMarshal.GetReference(factor), (nuint)(o + Width));
                }
                Store(productGradient, start + o, low, high);
            }
            for (; o < columns; o++)
            {
                float m = y[start + o] > 0 ? dy[start + o] : 0;
                if (bias)
                    biasGradient[o] += m;
                if (scale)
                    factorGradient[o] += m * To(product[start + o]);
                productGradient[start + o] = From<T>(scaled ? m * factor[o] : m);
            }
        }
    }

    /// <summary>
    /// The direction's gradient: <paramref name="gradient"/> = productGradient + coefficient[o] * v_o for each row o of
    /// <paramref name="v"/>, where <paramref name="productGradient"/> is the backward product's [rows, columns] and the
    /// coefficient carries the gradient through the norm.
    /// </summary>
    public static void DirectionGradient<T>(ReadOnlySpan<T> productGradient, ReadOnlySpan<float> v, ReadOnlySpan<float> coefficient, Span<float> gradient)
        where T : unmanaged
    {
        int columns = v.Length / coefficient.Length;
        for (int o = 0; o < coefficient.Length; o++)
        {
            int start = o * columns, i = 0;
            var c = new Vector<float>(coefficient[o]);
            for (; i <= columns - 2 * Width; i += 2 * Width)
            {
                var (low, high) = Load(productGradient, start + i);
                Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref MemoryMarshal.GetReference(v), (nuint)(start + i)), c, low)
                    .StoreUnsafe(ref MemoryMarshal.GetReference(gradient), (nuint)(start + i));
                Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref MemoryMarshal.GetReference(v), (nuint)(start + i + Width)), c, high)
                    .StoreUnsafe(ref MemoryMarshal.GetReference(gradient), (nuint)(start + i + Width));
            }
            for (; i < columns; i++)
                gradient[start + i] = MathF.FusedMultiplyAdd(v[start + i], coefficient[o], To(productGradient[start + i]));
        }
    }

    /// <summary>The float32 value of a bfloat16 bit pattern.</summary>
    public static float Widen(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);

    /// <summary>The bfloat16 nearest to <paramref name="value"/>, ties to even; NaN stays NaN.</summary>
    public static ushort Round(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        return float.IsNaN(value) ? (ushort)0x7FC0 : (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1)) >> 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Masked(ReadOnlySpan<float> dy, ReadOnlySpan<float> y, int i) =>
        Vector.ConditionalSelect(Vector.GreaterThan(Vector.LoadUnsafe(ref MemoryMarshal.GetReference(y), (nuint)i), Vector<float>.Zero),
            Vector.LoadUnsafe(ref MemoryMarshal.GetReference(dy), (nuint)i), Vector<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(Span<float> sums, int i, Vector<float> values) =>
        (Vector.LoadUnsafe(ref MemoryMarshal.GetReference(sums), (nuint)i) + values).StoreUnsafe(ref MemoryMarshal.GetReference(sums), (nuint)i);

    /// <summary>Elements i .. i + 2 Width - 1 as two float vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector<float> Low, Vector<float> High) Load<T>(ReadOnlySpan<T> values, int i) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            ref float start = ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(values));
            return (Vector.LoadUnsafe(ref start, (nuint)i), Vector.LoadUnsafe(ref start, (nuint)(i + Width)));
        }
        var bits = Vector.LoadUnsafe(ref Unsafe.As<T, ushort>(ref MemoryMarshal.GetReference(values)), (nuint)i);
        Vector.Widen(bits, out Vector<uint> low, out Vector<uint> high);
        return (Vector.AsVectorSingle(Vector.ShiftLeft(low, 16)), Vector.AsVectorSingle(Vector.ShiftLeft(high, 16)));
    }

    /// <summary>Stores two float vectors as elements i .. i + 2 Width - 1, rounded to bfloat16 for <see cref="ushort"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<T>(Span<T> values, int i, Vector<float> low, Vector<float> high) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            ref float start = ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(values));
            low.StoreUnsafe(ref start, (nuint)i);
            high.StoreUnsafe(ref start, (nuint)(i + Width));
            return;
        }
        Vector.Narrow(RoundBits(low), RoundBits(high)).StoreUnsafe(ref Unsafe.As<T, ushort>(ref MemoryMarshal.GetReference(values)), (nuint)i);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<uint> RoundBits(Vector<float> values)
    {
        var bits = Vector.AsVectorUInt32(values);
        var rounded = Vector.ShiftRightLogical(bits + new Vector<uint>(0x7FFF) + (Vector.ShiftRightLogical(bits, 16) & Vector<uint>.One), 16);
        return Vector.ConditionalSelect(Vector.AsVectorUInt32(Vector.Equals(values, values)), rounded, new Vector<uint>(0x7FC0));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float To<T>(T value) where T : unmanaged =>
        typeof(T) == typeof(float) ? Unsafe.As<T, float>(ref value) : Widen(Unsafe.As<T, ushort>(ref value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T From<T>(float value) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            return Unsafe.As<float, T>(ref value);
        ushort bits = Round(value);
        return Unsafe.As<ushort, T>(ref bits);
    }
}
