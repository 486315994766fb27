using Microsoft.ML.Gan.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Tests;

/// <summary>
/// <see cref="BFloat16Product"/>: op(a) op(b) of two bfloat16 matrices, as the product of their values in float64 gives it:
/// to float32's summation error from MKL (float32 results), to bfloat16's rounding of the results from libtorch.
/// </summary>
[TestClass]
public sealed class BFloat16ProductTests
{
    [TestMethod]
    [DataRow(false, false)]
    [DataRow(false, true)]
    [DataRow(true, false)]
    [DataRow(true, true)]
    public void TheProductIsTheValuesProduct(bool transposeA, bool transposeB)
    {
        using var scope = NewDisposeScope();
        using var random = new Generator(11);
        foreach (var (m, k, n) in new[] { (37, 53, 29), (300, 784, 1000) })
        {
            var a = randn(transposeA ? [k, m] : [m, k], generator: random).to(ScalarType.BFloat16);
            var b = randn(transposeB ? [n, k] : [k, n], generator: random).to(ScalarType.BFloat16);
            var exact = Op(a, transposeA).to(ScalarType.Float64).matmul(Op(b, transposeB).to(ScalarType.Float64));

            var product = BFloat16Product.Of(a, transposeA, b, transposeB);
            Assert.AreEqual(BFloat16Product.UsesMkl ? ScalarType.Float32 : ScalarType.BFloat16, product.dtype);
            CollectionAssert.AreEqual(new[] { (long)m, n }, product.shape);
            double error = RelativeError(product, exact);
            Assert.IsTrue(error < (BFloat16Product.UsesMkl ? 1e-5 : 1.0 / 256), $"{m}x{k}x{n}: relative error {error:E2}");

            using var libtorch = BFloat16Product.LibtorchOnly();
            var rounded = BFloat16Product.Of(a, transposeA, b, transposeB);
            Assert.AreEqual(ScalarType.BFloat16, rounded.dtype, "libtorch's matmul, in bfloat16");
            Assert.IsTrue(RelativeError(rounded, exact) < 1.0 / 256);
        }
    }

    [TestMethod]
    public void MismatchedMatricesThrowWithTheirShapes()
    {
        using var scope = NewDisposeScope();
        var a = ones(3, 4).to(ScalarType.BFloat16);
        var b = ones(5, 6).to(ScalarType.BFloat16);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => BFloat16Product.Of(a, false, b, false)).Message, "[3, 4] by [5, 6]");
        using var libtorch = BFloat16Product.LibtorchOnly();
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => BFloat16Product.Of(a, true, b, true)).Message, "[3, 4]^T by [5, 6]^T");
    }

    private static Tensor Op(Tensor matrix, bool transpose) => transpose ? matrix.t() : matrix;

    private static double RelativeError(Tensor actual, Tensor exact) =>
        actual.to(ScalarType.Float64).sub(exact).norm().item<double>() / exact.norm().item<double>();
}
