using System.Diagnostics;
using Microsoft.ML.Gan.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>
/// The matrix products of one training step of the MLP networks, replayed alone: every product the step computes, at its
/// shape, operand layout and type, one after the other on operands made once. Their time is the step's floor for the
/// products themselves, at this process's threads and this moment's machine speed; the rest of a step (weight
/// normalisation, noise, casts, activations, losses, Adam, averaging, autograd) is what a step spends beyond it.
/// </summary>
/// <remarks>
/// The same products as <see cref="SpeedBenchmark.FlopPerStep"/> counts. The discriminator's step: each layer's forward
/// product over labeled, unlabeled and generated rows (3 x BatchSize), its weight gradient, and its input gradient except
/// the first layer's; and the generator's forward pass without a gradient (float32: the no-gradient path folds the
/// weights). The generator's step: the discriminator's hidden layers forward over the real and the generated rows and
/// backward to the generated rows; the generator's layers forward and their weight and input gradients (but the
/// first input's). Dense layers of the discriminator and the generator's output layer multiply in bfloat16 when the
/// training does, through <see cref="BFloat16Product"/> as their training passes do; the generator's hidden layers in
/// float32.
/// </remarks>
internal sealed class StepProducts : IDisposable
{
    /// <summary>One product: libtorch's matmul of <paramref name="Left"/> by <paramref name="Right"/>, or <see cref="BFloat16Product"/> of their contiguous operands.</summary>
    private sealed record Product(Tensor Left, Tensor Right, (Tensor A, bool TransposeA, Tensor B, bool TransposeB)? Node);

    private readonly List<Product> _products = [];
    private readonly List<Tensor> _owned = [];

    public StepProducts(SemiSupervisedGanTrainer.Options options, int features, int classes, bool bfloat16)
    {
        int[] discriminator = [features, .. options.DiscriminatorHiddenSizes, classes];
        int[] generator = [options.NoiseSize, .. options.GeneratorHiddenSizes, features];
        long b = options.BatchSize;
        var dense = bfloat16 ? ScalarType.BFloat16 : ScalarType.Float32;
        int discriminatorLayers = discriminator.Length - 1;
        int generatorLayers = generator.Length - 1;
        for (int i = 0; i < discriminatorLayers; i++)
        {
            // y = x v^T over 3B rows; dL/dv = g^T x; dL/dx = g v (not for the first layer).
            AddLayer(3 * b, discriminator[i], discriminator[i + 1], dense, inputGradient: i > 0, weightGradient: true, node: bfloat16);
        }
        for (int i = 0; i < generatorLayers; i++)
            AddForward(b, generator[i], generator[i + 1], ScalarType.Float32, node: false);
        for (int pass = 0; pass < 2; pass++)
        {
            for (int i = 0; i < discriminatorLayers - 1; i++)
                AddForward(b, discriminator[i], discriminator[i + 1], dense, node: bfloat16);
        }
        for (int i = 0; i < discriminatorLayers - 1; i++)
            AddBackward(b, discriminator[i], discriminator[i + 1], dense, inputGradient: true, weightGradient: false, node: bfloat16);
        for (int i = 0; i < generatorLayers; i++)
        {
            bool output = i == generatorLayers - 1;
            AddLayer(b, generator[i], generator[i + 1], output ? dense : ScalarType.Float32, inputGradient: i > 0, weightGradient: true, node: output && bfloat16);
        }
    }

    /// <summary>Floating-point operations of one replay.</summary>
    public double Flop => _products.Sum(p => 2.0 * p.Left.shape[0] * p.Left.shape[1] * p.Right.shape[1]);

    /// <summary>Best of three timings of <paramref name="repetitions"/> replays, in milliseconds per replay.</summary>
    public double Milliseconds(int repetitions)
    {
        Replay();
        double best = double.MaxValue;
        for (int trial = 0; trial < 3; trial++)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < repetitions; i++)
                Replay();
            best = Math.Min(best, clock.Elapsed.TotalMilliseconds / repetitions);
        }
        return best;
    }

    private void Replay()
    {
        foreach (var product in _products)
        {
            if (product.Node is var (a, transposeA, b, transposeB))
                BFloat16Product.Of(a, transposeA, b, transposeB).Dispose();
            else
                product.Left.matmul(product.Right).Dispose();
        }
    }

    /// <summary>A layer's forward product and its gradients' (<paramref name="node"/>: through <see cref="BFloat16Product"/>).</summary>
    private void AddLayer(long rows, int inputs, int outputs, ScalarType type, bool inputGradient, bool weightGradient, bool node)
    {
        AddForward(rows, inputs, outputs, type, node);
        AddBackward(rows, inputs, outputs, type, inputGradient, weightGradient, node);
    }

    /// <summary>x [rows, inputs] by v^T, v stored [outputs, inputs] as the layers store it.</summary>
    private void AddForward(long rows, int inputs, int outputs, ScalarType type, bool node) =>
        Add(Operand(rows, inputs, type), false, Operand(outputs, inputs, type), true, node);

    /// <summary>The gradient [rows, outputs] by v [outputs, inputs]; and its transpose by x [rows, inputs].</summary>
    private void AddBackward(long rows, int inputs, int outputs, ScalarType type, bool inputGradient, bool weightGradient, bool node)
    {
        var gradient = Operand(rows, outputs, type);
        if (inputGradient)
            Add(gradient, false, Operand(outputs, inputs, type), false, node);
        if (weightGradient)
            Add(gradient, true, Operand(rows, inputs, type), false, node);
    }

    private Tensor Operand(long rows, long columns, ScalarType type) => Own(randn(rows, columns, dtype: type));

    private Tensor Transposed(Tensor operand) => Own(operand.t());

    private Tensor Own(Tensor tensor)
    {
        _owned.Add(tensor);
        return tensor;
    }

    /// <summary>op(<paramref name="a"/>) op(<paramref name="b"/>), op transposing where asked.</summary>
    private void Add(Tensor a, bool transposeA, Tensor b, bool transposeB, bool node) =>
        _products.Add(new Product(transposeA ? Transposed(a) : a, transposeB ? Transposed(b) : b, node ? (a, transposeA, b, transposeB) : null));

    public void Dispose()
    {
        foreach (var tensor in _owned)
            tensor.Dispose();
    }
}
