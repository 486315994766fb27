using Microsoft.ML.Gan.Data;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Tests;

[TestClass]
public class RowGatherTests
{
    /// <summary>The copied rows are index_select's, directly and through a map of rows, at an offset into the positions.</summary>
    [TestMethod]
    public void CopiedRowsAreIndexSelects()
    {
        using var scope = NewDisposeScope();
        using var random = new Generator(3);
        var features = randn([50, 37], generator: random);
        var positions = randperm(50, generator: random);
        var map = randperm(50, generator: random).narrow(0, 0, 20).contiguous();
        var mapPositions = randint(20, [30], generator: random);

        Assert.AreEqual(0L, RowGather.Of(features, positions, 7, 13).ne(features.index_select(0, positions.narrow(0, 7, 13))).sum().item<long>());
        Assert.AreEqual(0L, RowGather.Of(features, mapPositions, 5, 10, map).ne(features.index_select(0, map.index_select(0, mapPositions.narrow(0, 5, 10)))).sum().item<long>());
        // Features that are not contiguous go to index_select and give the same rows.
        var strided = features.t().contiguous().t();
        Assert.AreEqual(0L, RowGather.Of(strided, positions, 0, 4).ne(features.index_select(0, positions.narrow(0, 0, 4))).sum().item<long>());
    }

    [TestMethod]
    public void ARowOutsideTheFeaturesIsNamed()
    {
        using var scope = NewDisposeScope();
        var features = zeros(4, 3);
        var positions = tensor(new long[] { 1, 4 });
        var error = Assert.ThrowsExactly<IndexOutOfRangeException>(() => RowGather.Of(features, positions, 0, 2));
        StringAssert.Contains(error.Message, "Row 4");
    }
}
