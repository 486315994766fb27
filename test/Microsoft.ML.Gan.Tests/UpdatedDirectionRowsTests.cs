using Microsoft.ML.Gan.Networks;
using Microsoft.ML.Gan.Training;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Tests;

/// <summary>The rows Adam's pass writes for a layer's next leaves and freeze (<see cref="UpdatedDirectionRows"/>).</summary>
[TestClass]
public sealed class UpdatedDirectionRowsTests
{
    /// <summary>
    /// One Adam step over a hidden layer (g constant) and an output layer (g trained) whose directions' gradients are
    /// taken as terms; the rows written as v was updated are then the freeze's folded weight and the next pass's leaves,
    /// equal to the bit to those made from v afresh. The hidden layer's 300 rows of 787 inputs span several of the
    /// kernel's blocks and both threads.
    /// </summary>
    [TestMethod]
    [DataRow(ScalarType.BFloat16)]
    [DataRow(ScalarType.Float32)]
    public void WrittenRowsAreThoseMadeFromTheUpdatedDirection(ScalarType productType)
    {
        using var scope = NewDisposeScope();
        var (hidden, output, adam, collected) = Network(productType);
        using (hidden)
        using (output)
        using (adam)
        using (collected)
        {
            var terms = Step(hidden, output, adam, collected);
            Assert.AreEqual(Adam.OnePassIsExact && DirectionRows.InOnePass(hidden.Direction.detach(), productType), terms[hidden.Direction].UpdatedRows?.IsComplete ?? false,
                "the rows are written where the one-pass update runs");
            collected.Release();
            foreach (var layer in new[] { hidden, output })
            {
                var foldedAfresh = DirectionRows.Folded(layer.Direction.detach(), layer.Scale.detach(), productType);
                layer.Freeze();
                Assert.AreEqual(0L, layer.FrozenWeight!.ne(foldedAfresh).sum().item<long>(), $"{layer.GetName()}: folded weights that differ");
                layer.Thaw();
                AssertLeavesAreMadeAfresh(layer, productType);
            }
        }
    }

    /// <summary>After v is set by other means, <see cref="WeightNormDense.ForgetUpdatedRows"/> makes the next leaves and freeze come from the new v.</summary>
    [TestMethod]
    public void ForgottenRowsGiveWayToTheNewDirection()
    {
        using var scope = NewDisposeScope();
        var (hidden, output, adam, collected) = Network(ScalarType.BFloat16);
        using (hidden)
        using (output)
        using (adam)
        using (collected)
        {
            Step(hidden, output, adam, collected);
            collected.Release();
            using (no_grad())
                hidden.Direction.mul_(2.5);
            hidden.ForgetUpdatedRows();
            var foldedAfresh = DirectionRows.Folded(hidden.Direction.detach(), hidden.Scale.detach(), ScalarType.BFloat16);
            hidden.Freeze();
            Assert.AreEqual(0L, hidden.FrozenWeight!.ne(foldedAfresh).sum().item<long>(), "folded weights of the old direction");
            hidden.Thaw();
            AssertLeavesAreMadeAfresh(hidden, ScalarType.BFloat16);
        }
    }

    private static (WeightNormDense Hidden, WeightNormDense Output, Adam Adam, DirectionGradients Collected) Network(ScalarType productType)
    {
        using var random = new Generator(31);
        var hidden = new WeightNormDense("hidden", 787, 300, trainScale: false, randn([300, 787], generator: random).mul(0.05)) { ProductType = productType };
        var output = new WeightNormDense("output", 300, 13, trainScale: true, randn([13, 300], generator: random).mul(0.05)) { ProductType = productType };
        using (no_grad())
            hidden.Scale.copy_(rand([300], generator: random).add(0.5));
        var adam = new Adam(hidden.parameters().Concat(output.parameters()).Where(p => p.requires_grad), 0.003, 0.5, 0.999);
        return (hidden, output, adam, new DirectionGradients([hidden, output]));
    }

    /// <summary>One training pass and Adam step; the terms it took.</summary>
    private static IReadOnlyDictionary<TorchSharp.Modules.Parameter, DirectionGradientTerms> Step(WeightNormDense hidden, WeightNormDense output, Adam adam, DirectionGradients collected)
    {
        using var random = new Generator(32);
        var input = rand([200, 787], generator: random);
        var weights = randn([200, 13], generator: random);
        adam.ZeroGrad();
        output.forward(nn.functional.relu(hidden.forward(input))).mul(weights).sum().backward();
        var terms = collected.Take();
        adam.Step(directionGradients: terms);
        return terms;
    }

    private static void AssertLeavesAreMadeAfresh(WeightNormDense layer, ScalarType productType)
    {
        var v = layer.Direction.detach();
        var (direction, norm) = productType == ScalarType.BFloat16 ? DirectionRows.InBFloat16WithNorm(v) : (v, EuclideanNorm.Over(v, 1L));
        var leaves = layer.TrainingLeaves();
        Assert.AreEqual(0L, leaves.Direction.ne(direction).sum().item<long>(), $"{layer.GetName()}: directions that differ");
        Assert.AreEqual(0L, leaves.Norm.ne(norm).sum().item<long>(), $"{layer.GetName()}: norms that differ");
        layer.TakeDirectionGradient()?.Dispose();
    }
}
