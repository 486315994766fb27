using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// The matrix product of a dense layer while training, x w^T, in the training's number format: float32, or bfloat16,
/// whose products libtorch sums in float32 and rounds to bfloat16 (<see cref="MatrixMultiplyPrecision.BFloat16"/>).
/// </summary>
internal static class TrainingProduct
{
    /// <summary>
    /// x w^T for <paramref name="input"/> [rows, inputs] and <paramref name="weight"/> [outputs, inputs], both operands
    /// in <paramref name="type"/>; returned as float32.
    /// </summary>
    public static Tensor Multiply(Tensor input, Tensor weight, ScalarType type)
    {
        if (type == ScalarType.Float32)
            return input.matmul(weight.t());
        using var scope = NewDisposeScope();
        return input.to(type).matmul(weight.to(type).t()).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
