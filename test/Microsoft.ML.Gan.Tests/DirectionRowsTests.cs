using Microsoft.ML.Gan.Networks;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Tests;

[TestClass]
public class DirectionRowsTests
{
    // Rows shorter than a vector's 16 values, with tails, the default networks' widths, and 1,100 rows of 784 (several
    // chunks of rows on each thread).
    private static readonly (int Rows, int Columns)[] Shapes = [(5, 8), (17, 9), (17, 31), (250, 250), (1100, 784), (500, 1000), (3, 8192 + 77)];

    [TestMethod]
    public void FoldedWeightIsLibtorchsToTheBit()
    {
        using var scope = NewDisposeScope();
        using var random = new Generator(21);
        foreach (var (rows, columns) in Shapes)
        {
            var (v, g) = Direction(rows, columns, random);
            var reference = v.mul(g.div(v.mul(v).sum([1L]).sqrt()).unsqueeze(1));
            var folded = DirectionRows.Folded(v, g, ScalarType.Float32);
            Assert.AreEqual(0L, folded.ne(reference).sum().item<long>(), $"{rows}x{columns}: float32 weights that differ from libtorch's");
            var narrow = DirectionRows.Folded(v, g, ScalarType.BFloat16);
            Assert.AreEqual(ScalarType.BFloat16, narrow.dtype);
            Assert.AreEqual(0L, narrow.ne(reference.to(ScalarType.BFloat16)).sum().item<long>(), $"{rows}x{columns}: bfloat16 weights that differ from libtorch's");
        }
    }

    [TestMethod]
    public void DirectionInBFloat16AndNormAreLibtorchsToTheBit()
    {
        using var scope = NewDisposeScope();
        using var random = new Generator(22);
        foreach (var (rows, columns) in Shapes)
        {
            var (v, _) = Direction(rows, columns, random);
            var (direction, norm) = DirectionRows.InBFloat16WithNorm(v);
            Assert.AreEqual(0L, direction.ne(v.to(ScalarType.BFloat16)).sum().item<long>(), $"{rows}x{columns}: bfloat16 values that differ from libtorch's cast");
            Assert.AreEqual(0L, norm.ne(v.mul(v).sum([1L]).sqrt()).sum().item<long>(), $"{rows}x{columns}: norms that differ from libtorch's");
        }
    }

    [TestMethod]
    public void RowsThatCannotBeSummedInOnePassTakeLibtorchsOperations()
    {
        using var scope = NewDisposeScope();
        using var random = new Generator(23);
        var v = randn([30, 20], generator: random).t();
        var g = rand(20, generator: random);
        var reference = v.mul(g.div(v.mul(v).sum([1L]).sqrt()).unsqueeze(1));
        Assert.IsFalse(DirectionRows.Folded(v, g, ScalarType.BFloat16).ne(reference.to(ScalarType.BFloat16)).any().item<bool>());
        var (direction, norm) = DirectionRows.InBFloat16WithNorm(v);
        Assert.IsFalse(direction.ne(v.to(ScalarType.BFloat16)).any().item<bool>());
        Assert.IsFalse(norm.ne(v.mul(v).sum([1L]).sqrt()).any().item<bool>());
    }

    /// <summary>A direction whose values spread over four orders of magnitude (so that other orders of additions, or other roundings, change last bits) and a scale.</summary>
    private static (Tensor V, Tensor G) Direction(int rows, int columns, Generator random) =>
        (randn([rows, columns], generator: random).mul(rand([rows, columns], generator: random).mul(8).sub(4).exp()), rand(rows, generator: random).add(0.5));
}
