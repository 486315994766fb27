using Microsoft.ML.Gan.Networks;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Tests;

/// <summary>
/// <see cref="DenseKernels.LayerGradientSums"/>: the product's gradient is <see cref="DenseKernels.LayerGradients"/>'
/// to the bit, and each column's sums of g and g * p are its rows added in runs of 16 rows, then the runs' sums in
/// order from 0, to the bit, whether the runs are shared among threads or not.
/// </summary>
[TestClass]
public sealed class LayerGradientSumsTests
{
    [TestMethod]
    // The discriminator's first layer (on libtorch's threads), a layer with a vector tail (one thread), one below a vector.
    [DataRow(300, 1000, ScalarType.BFloat16, true, ScalarType.Float32)]
    [DataRow(300, 1000, ScalarType.BFloat16, true, ScalarType.BFloat16)]
    [DataRow(37, 250, ScalarType.BFloat16, true, ScalarType.Float32)]
    [DataRow(100, 10, ScalarType.BFloat16, false, ScalarType.Float32)]
    [DataRow(7, 19, ScalarType.Float32, true, ScalarType.Float32)]
    public void SumsAddRunsOfSixteenRowsAndTheProductGradientIsTheRowPasses(int rows, int columns, ScalarType type, bool rectified, ScalarType gradientType)
    {
        using var scope = NewDisposeScope();
        using var random = new Generator(11);
        var gradient = randn([rows, columns], generator: random).mul(1e-3).to(gradientType);
        var output = rectified ? randn([rows, columns], generator: random) : null;
        var product = randn([rows, columns], generator: random).mul(4).to(type);
        var scale = rand([columns], generator: random).add(0.5);

        var (bias, factor, productGradient) = DenseKernels.LayerGradientSums(gradient, output, product, scale, type);
        var (masked, timesProduct, expectedProductGradient) = DenseKernels.LayerGradients(gradient, output, product, scale, type);

        Assert.AreEqual(type, productGradient.dtype);
        Assert.AreEqual(0L, productGradient.ne(expectedProductGradient).sum().item<long>(), "g * s");
        CollectionAssert.AreEqual(RunSums(masked, rows, columns), bias.data<float>().ToArray(), "sums of g");
        CollectionAssert.AreEqual(RunSums(timesProduct, rows, columns), factor.data<float>().ToArray(), "sums of g * p");
        Assert.IsTrue(bias.to(ScalarType.Float64).sub(masked.to(ScalarType.Float64).sum([0L])).abs().max().item<double>() < 1e-6 * rows * 1e-3,
            "the sums of g are sums");
    }

    /// <summary>Each column of <paramref name="values"/> added as the kernel's contract says, one float at a time.</summary>
    private static float[] RunSums(Tensor values, int rows, int columns)
    {
        var x = values.contiguous().data<float>().ToArray();
        var sums = new float[columns];
        for (int column = 0; column < columns; column++)
        {
            float total = 0;
            for (int first = 0; first < rows; first += 16)
            {
                float run = x[first * columns + column];
                for (int row = first + 1; row < Math.Min(first + 16, rows); row++)
                    run += x[row * columns + column];
                total += run;
            }
            sums[column] = total;
        }
        return sums;
    }
}
