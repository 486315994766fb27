using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// The elementwise work around a weight-normalised dense layer with ReLU (<see cref="WeightNormReluFunction"/>), each in
/// one pass with hardware-sized vectors where libtorch runs two to five kernels. Every element is rounded exactly as
/// libtorch's kernels round it (the same fused multiply-adds, products and sums in the same order), so the layer's output
/// and gradients are libtorch's to the bit; the sums over rows stay libtorch's. Products and their gradients are T:
/// <see cref="float"/> (float32) or <see cref="ushort"/> (the bits of bfloat16, rounded to nearest even as libtorch
/// rounds).
/// </summary>
internal static class DenseReluKernels
{
    private static int Width => Vector<float>.Count;

    /// <summary>
    /// <paramref name="result"/> = x + sigma * noise in the product type, as one fused multiply-add (libtorch's add with
    /// alpha), then rounded; <paramref name="noise"/> empty: x rounded.
    /// </summary>
    public static void NoisyInput<T>(ReadOnlySpan<float> x, ReadOnlySpan<float> noise, float sigma, Span<T> result) where T : unmanaged
    {
        bool noisy = !noise.IsEmpty;
        var scale = new Vector<float>(sigma);
        int i = 0;
        for (; i <= x.Length - 2 * Width; i += 2 * Width)
        {
            var (low, high) = Load(x, i);
            if (noisy)
            {
                var (noiseLow, noiseHigh) = Load(noise, i);
                low = Vector.FusedMultiplyAdd(noiseLow, scale, low);
                high = Vector.FusedMultiplyAdd(noiseHigh, scale, high);
            }
            Store(result, i, low, high);
        }
        for (; i < x.Length; i++)
            result[i] = From<T>(noisy ? MathF.FusedMultiplyAdd(noise[i], sigma, x[i]) : x[i]);
    }

    /// <summary>
    /// y = max(product * factor + bias, 0) for each row of <paramref name="product"/> [rows, bias.Length], the scale and
    /// bias as one fused multiply-add (libtorch's addcmul; with a factor of 1, for a frozen weight, libtorch's add).
    /// </summary>
    public static void Activation<T>(ReadOnlySpan<T> product, ReadOnlySpan<float> factor, ReadOnlySpan<float> bias, Span<float> y) where T : unmanaged
    {
        int columns = bias.Length;
        for (int start = 0; start < y.Length; start += columns)
        {
            int o = 0;
            for (; o <= columns - 2 * Width; o += 2 * Width)
            {
                var (low, high) = Load(product, start + o);
                var (factorLow, factorHigh) = Load(factor, o);
                var (biasLow, biasHigh) = Load(bias, o);
                Store(y, start + o, Vector.Max(Vector.FusedMultiplyAdd(low, factorLow, biasLow), Vector<float>.Zero),
                    Vector.Max(Vector.FusedMultiplyAdd(high, factorHigh, biasHigh), Vector<float>.Zero));
            }
            for (; o < columns; o++)
                y[start + o] = MathF.Max(MathF.FusedMultiplyAdd(To(product[start + o]), factor[o], bias[o]), 0);
        }
    }

    /// <summary>
    /// The gradients before the backward products, from dy and the output y [rows, columns]: with m = dy where y &gt; 0
    /// and 0 elsewhere (libtorch's ReLU gradient), <paramref name="masked"/> = m and <paramref name="factorTerms"/> = m *
    /// product, each skipped when empty, and <paramref name="productGradient"/> = m * factor in the product type. The
    /// caller sums the first two over rows for the bias's and the factor's gradients.
    /// </summary>
    public static void ActivationGradient<T>(ReadOnlySpan<float> dy, ReadOnlySpan<float> y, ReadOnlySpan<T> product, ReadOnlySpan<float> factor,
        Span<float> masked, Span<float> factorTerms, Span<T> productGradient) where T : unmanaged
    {
        int columns = factor.Length;
        bool keepMasked = !masked.IsEmpty, keepTerms = !factorTerms.IsEmpty;
        for (int start = 0; start < y.Length; start += columns)
        {
            int o = 0;
            for (; o <= columns - 2 * Width; o += 2 * Width)
            {
                int i = start + o;
                var (yLow, yHigh) = Load(y, i);
                var (dyLow, dyHigh) = Load(dy, i);
                var low = Vector.ConditionalSelect(Vector.LessThanOrEqual(yLow, Vector<float>.Zero), Vector<float>.Zero, dyLow);
                var high = Vector.ConditionalSelect(Vector.LessThanOrEqual(yHigh, Vector<float>.Zero), Vector<float>.Zero, dyHigh);
                if (keepMasked)
                    Store(masked, i, low, high);
                if (keepTerms)
                {
                    var (productLow, productHigh) = Load(product, i);
                    Store(factorTerms, i, low * productLow, high * productHigh);
                }
                var (factorLow, factorHigh) = Load(factor, o);
                Store(productGradient, i, low * factorLow, high * factorHigh);
            }
            for (; o < columns; o++)
            {
                int i = start + o;
                float m = y[i] <= 0 ? 0 : dy[i];
                if (keepMasked)
                    masked[i] = m;
                if (keepTerms)
                    factorTerms[i] = m * To(product[i]);
                productGradient[i] = From<T>(m * factor[o]);
            }
        }
    }

    /// <summary>
    /// The direction's gradient for each row o of <paramref name="v"/>: the gradient through the norm, twice
    /// normTerm[o] * v_o (the two factors of v * v, added first), plus the backward product's <paramref
    /// name="productGradient"/>, in the order libtorch's autograd adds them.
    /// </summary>
    public static void DirectionGradient<T>(ReadOnlySpan<T> productGradient, ReadOnlySpan<float> v, ReadOnlySpan<float> normTerm, Span<float> gradient)
        where T : unmanaged
    {
        int columns = v.Length / normTerm.Length;
        for (int o = 0; o < normTerm.Length; o++)
        {
            int start = o * columns, i = 0;
            var c = new Vector<float>(normTerm[o]);
            for (; i <= columns - 2 * Width; i += 2 * Width)
            {
                var (vLow, vHigh) = Load(v, start + i);
                var (productLow, productHigh) = Load(productGradient, start + i);
                var (halfLow, halfHigh) = (c * vLow, c * vHigh);
                Store(gradient, start + i, halfLow + halfLow + productLow, halfHigh + halfHigh + productHigh);
            }
            for (; i < columns; i++)
            {
                float half = normTerm[o] * v[start + i];
                gradient[start + i] = half + half + To(productGradient[start + i]);
            }
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

    /// <summary>Elements i .. i + 2 Width - 1 as two float vectors, widened from bfloat16 for <see cref="ushort"/>.</summary>
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

    /// <summary><see cref="Round"/> of each element, in the low 16 bits.</summary>
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
