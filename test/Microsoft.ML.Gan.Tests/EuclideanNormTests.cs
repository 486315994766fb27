using Microsoft.ML.Gan.Networks;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Tests;

[TestClass]
public class EuclideanNormTests
{
    [TestMethod]
    public void RowPassSumsSquaresInLibtorchsOrder()
    {
        Assert.IsTrue(EuclideanNorm.RowPassIsExact, "the one-pass row sums should match libtorch's cascade sum on x86-64");
        using var scope = NewDisposeScope();
        using var random = new Generator(11);
        // One vector, vector tails, fewer vectors than one group, the default networks' rows (250 to 1000), and rows long
        // enough for the cascade's first level (16 groups of 4 vectors: 512 floats) and second (8,192 floats) to close.
        int[] columns = [8, 9, 31, 33, 100, 250, 500, 511, 512, 784, 1000, 8191, 8192, 9000, 40_000];
        foreach (int n in columns)
        {
            // Values spread over four orders of magnitude, so that a different order of additions changes the last bits.
            var v = randn([17, n], generator: random).mul(rand([17, n], generator: random).mul(8).sub(4).exp());
            var pass = EuclideanNorm.RowSquareSums(v);
            var reference = v.mul(v).sum([1L]);
            Assert.AreEqual(0L, pass.ne(reference).sum().item<long>(), $"rows of {n}: sums that differ from libtorch's");
            Assert.AreEqual(0L, EuclideanNorm.Over(v, 1L).ne(EuclideanNorm.ByOperations(v, [1L])).sum().item<long>(), $"rows of {n}: norms that differ");
        }
    }

    [TestMethod]
    public void SummingInOrderWouldDiffer()
    {
        // The check above can fail: a plain left-to-right float sum of the same squares differs from libtorch's in some rows.
        using var scope = NewDisposeScope();
        using var random = new Generator(12);
        var v = randn([64, 784], generator: random).mul(rand([64, 784], generator: random).mul(8).sub(4).exp());
        float[] squares = v.mul(v).data<float>().ToArray();
        float[] pass = EuclideanNorm.RowSquareSums(v).data<float>().ToArray();
        int differing = 0;
        for (int row = 0; row < 64; row++)
        {
            float sum = 0;
            for (int i = 0; i < 784; i++)
                sum += squares[row * 784 + i];
            differing += sum != pass[row] ? 1 : 0;
        }
        Assert.IsTrue(differing > 0, "a left-to-right sum should differ from the cascade in some of 64 rows");
    }

    [TestMethod]
    public void OtherShapesTakeLibtorchsOperations()
    {
        using var scope = NewDisposeScope();
        using var random = new Generator(13);
        var convolution = randn([6, 3, 5, 5], generator: random);
        var narrow = randn([40, 7], generator: random);
        var transposed = randn([30, 20], generator: random).t();
        Assert.IsFalse(EuclideanNorm.Over(convolution, 1L, 2L, 3L).ne(EuclideanNorm.ByOperations(convolution, [1L, 2L, 3L])).any().item<bool>());
        Assert.IsFalse(EuclideanNorm.Over(narrow, 1L).ne(EuclideanNorm.ByOperations(narrow, [1L])).any().item<bool>());
        Assert.IsFalse(EuclideanNorm.Over(transposed, 1L).ne(EuclideanNorm.ByOperations(transposed, [1L])).any().item<bool>());
    }
}
