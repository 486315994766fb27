namespace Microsoft.ML.Gan.Runtime;

/// <summary>
/// Intel MKL's vector square root as libtorch's <c>sqrt</c> computes it on float32 tensors: <c>vmsSqrt</c> from the MKL
/// that libtorch bundles, in the mode ATen passes (high accuracy, denormals kept, errors ignored). MKL's result differs
/// from the correctly rounded square root in the last bit for some inputs, depending on its code path, so code that
/// must round as libtorch rounds calls this one.
/// </summary>
internal static unsafe class MklVectorMath
{
    /// <summary>VML_HA | VML_FTZDAZ_OFF | VML_ERRMODE_IGNORE (mkl_vml_defines.h), ATen's mode (ATen/cpu/vml.h).</summary>
    private const long LibtorchMode = 0x2 | 0x140000 | 0x100;

    private static readonly Lazy<nint> Function = new(() => LibtorchExports.Find("vmsSqrt"));

    /// <summary>Whether libtorch bundles MKL's vector math.</summary>
    public static bool IsAvailable => Function.Value != 0;

    /// <summary>Replaces each of the <paramref name="count"/> values at <paramref name="values"/> by its square root.</summary>
    public static void SqrtInPlace(float* values, int count) =>
        ((delegate* unmanaged<int, float*, float*, long, void>)Function.Value)(count, values, values, LibtorchMode);
}
