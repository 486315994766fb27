namespace Microsoft.ML.Gan;

/// <summary>The number format of the weight-normalised dense layers' matrix multiplies while training.</summary>
public enum MatrixMultiplyPrecision
{
    /// <summary>
    /// <see cref="BFloat16"/> when training on a CPU that has bfloat16 instructions (AVX-512 BF16 or AMX, read from
    /// Linux's /proc/cpuinfo), <see cref="Single"/> on other CPUs, on a GPU, and where the CPU's instructions cannot be read.
    /// </summary>
    Auto,

    /// <summary>float32 throughout.</summary>
    Single,

    /// <summary>
    /// Each training product rounds its two operands to bfloat16 (8 significant bits), sums in float32 and rounds the
    /// result to bfloat16 again; weights, gradients, optimiser and the exported model stay float32. About twice the multiply rate on CPUs with
    /// AVX-512 BF16 or AMX (AMD Zen 4 and later, Intel Cooper Lake and Sapphire Rapids and later); elsewhere libtorch
    /// emulates it, which can be slower than <see cref="Single"/>.
    /// </summary>
    BFloat16,
}
