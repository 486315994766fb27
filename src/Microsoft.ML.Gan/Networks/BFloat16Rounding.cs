using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.Gan.Networks;

/// <summary>float32 to bfloat16 and back as libtorch converts them: rounded to nearest even, NaN to 0x7FC0; widening is exact.</summary>
internal static unsafe class BFloat16Rounding
{
    /// <summary>Eight float32 values as bfloat16, in the low 16 bits of each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> Rounded(Vector256<float> values)
    {
        var bits = values.AsUInt32();
        var rounded = (bits + Vector256.Create(0x7FFFu) + ((bits >> 16) & Vector256<uint>.One)) >> 16;
        var nan = ~Vector256.Equals(values, values).AsUInt32();
        return Vector256.ConditionalSelect(nan, Vector256.Create(0x7FC0u), rounded);
    }

    /// <summary>One float32 value as bfloat16.</summary>
    public static ushort Rounded(float value)
    {
        if (float.IsNaN(value))
            return 0x7FC0;
        uint bits = BitConverter.SingleToUInt32Bits(value);
        return (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1)) >> 16);
    }

    /// <summary>Eight bfloat16 values as float32: their 16 bits are float32's upper half.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Widened(ushort* values) =>
        (Vector256.WidenLower(Vector128.Load(values).ToVector256Unsafe()) << 16).AsSingle();

    /// <summary>One bfloat16 value as float32.</summary>
    public static float Widened(ushort value) => BitConverter.Int32BitsToSingle(value << 16);
}
