using System.Diagnostics;
using System.Text;
using Microsoft.ML.Gan.Networks;
using Microsoft.ML.Gan.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>
/// What the default discriminator's training pass is made of: the whole forward and backward pass over a step's 300 rows
/// (bfloat16 products where the CPU has them, noise on, the direction's gradient in one pass, as training runs it) beside
/// each of its pieces alone on operands made once: the six products, the noise, the direction's cast and norm, the
/// elementwise operations, the same operations chained without the module, the generator step's freezing of the weights
/// and one TorchSharp call; and, against the modules' own operations one at a time, the pass as one autograd node
/// (<see cref="TrainingLogits"/>) and the generator step's two frozen passes as one node over both sets of rows
/// (<see cref="FrozenFeatures"/>). The pieces alternate, so the machine's drift reaches them alike; each is timed 100 times per
/// turn, and the table gives the median and the fastest turn. Freed memory stays in
/// the process (<see cref="RetainedMemory"/>), so that the passes do not time page faults a training run does not take.
/// </summary>
internal static class ForwardPiecesBenchmark
{
    private const int Rows = 300;
    private static readonly int[] Widths = [784, 1000, 500, 250, 250, 250, 10];

    public static void Run(int turns, int threads, string outputDirectory)
    {
        bool retained = RetainedMemory.Keep();
        string mklPath = MatmulRate.ThisProcess();
        set_num_threads(threads);
        var type = BFloat16Support.Resolve(MatrixMultiplyPrecision.Auto, DeviceType.CPU) == MatrixMultiplyPrecision.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32;
        double matmulBefore = MatmulRate.MlpShape(type);
        using var scope = NewDisposeScope();
        using var random = new Generator(1);
        var noise = new GaussianNoiseSource(1);
        using var discriminator = new MlpDiscriminator(784, Widths[1..^1], 10, 0.3, 0.5, 0.05, random, noise);
        var layers = discriminator.modules().OfType<WeightNormDense>().Where(l => l != discriminator.OutputLayer).Append(discriminator.OutputLayer).ToArray();
        foreach (var layer in layers)
            layer.ProductType = type;
        discriminator.train();
        var rows = rand([Rows, 784], generator: random);
        int n = Widths.Length - 1;
        var inputs = Enumerable.Range(0, n).Select(i => rand([Rows, Widths[i]], generator: random)).ToArray();
        var outputs = Enumerable.Range(0, n).Select(i => rand([Rows, Widths[i + 1]], generator: random)).ToArray();
        var castInputs = inputs.Select(x => x.to(type)).ToArray();
        var castOutputs = outputs.Select(y => y.to(type)).ToArray();
        var directions = layers.Select(l => l.Direction.detach()).ToArray();
        var castDirections = directions.Select(v => v.to(type)).ToArray();
        var directionLeaves = castDirections.Select(v => v.detach().requires_grad_(true)).ToArray();
        var scales = Enumerable.Range(0, n).Select(i => rand([Widths[i + 1]], generator: random).requires_grad_(true)).ToArray();
        var biases = Enumerable.Range(0, n).Select(i => rand([Widths[i + 1]], generator: random).requires_grad_(true)).ToArray();
        var tiny = rand([10], generator: random);
        // Held for the native calls: a temporary Scalar could be finalized during one (HeldScalars).
        using var inputNoiseLevel = 0.3.ToScalar();
        using var hiddenNoiseLevel = 0.5.ToScalar();

        void Chain(bool gradient)
        {
            using var chain = NewDisposeScope();
            using var mode = gradient ? enable_grad() : no_grad();
            var x = rows;
            for (int i = 0; i < n; i++)
            {
                using (var values = noise.Normal(x.shape, x.device))
                    x = x.add(values, alpha: i == 0 ? inputNoiseLevel : hiddenNoiseLevel);
                x = biases[i].addcmul(x.to(type).matmul((gradient ? directionLeaves : castDirections)[i].t()).to(ScalarType.Float32), scales[i], HeldScalars.One);
                if (i < n - 1)
                    x = nn.functional.relu(x, inplace: true);
            }
        }
        var noiseLayers = discriminator.modules().OfType<GaussianNoise>().ToArray();
        // The layers as the modules run them, one operation at a time: what TrainingLogits and FrozenFeatures replace.
        Tensor ModuleFeatures(Tensor x)
        {
            for (int i = 0; i < n - 1; i++)
                x = nn.functional.relu(layers[i].forward(noiseLayers[i].forward(x)), inplace: true);
            return x;
        }
        Tensor ModuleLogits(Tensor x) => discriminator.OutputLayer.forward(noiseLayers[^1].forward(ModuleFeatures(x)));
        var realRows = rows.narrow(0, 0, 100);
        var generatedRows = rows.narrow(0, 100, 100).detach().requires_grad_(true);
        void TrainingPass() => TrainingPassBy(x => discriminator.Logits(x, [100, 100, 100]));
        void TrainingPassBy(Func<Tensor, Tensor> logits)
        {
            using (var pass = NewDisposeScope())
                logits(rows).logsumexp(1).sum().backward();
            foreach (var layer in layers)
                layer.CompleteDirectionGradient();
            foreach (var parameter in discriminator.parameters())
            {
                using var gradient = parameter.grad;
                if (gradient is not null)
                    parameter.grad = null;
            }
        }
        (Tensor, Tensor) ModulePasses(Tensor real, Func<Tensor> generate)
        {
            Tensor realFeatures;
            using (no_grad())
                realFeatures = ModuleFeatures(real);
            return (realFeatures, ModuleFeatures(generate()));
        }
        void GeneratorStepPasses(Func<Tensor, Func<Tensor>, (Tensor Real, Tensor Generated)> matchedFeatures)
        {
            discriminator.FreezeWeights();
            using (var pass = NewDisposeScope())
            {
                var (real, generated) = matchedFeatures(realRows, () => generatedRows);
                generated.mean([0L]).sub(real.mean([0L])).pow(HeldScalars.Two).mean().backward();
            }
            using (var gradient = generatedRows.grad)
                generatedRows.grad = null;
            discriminator.ThawWeights();
        }
        void Forward()
        {
            using var pass = NewDisposeScope();
            discriminator.Logits(rows, [100, 100, 100]);
        }
        void EachLayer(Action<int> piece)
        {
            for (int i = 0; i < n; i++)
                piece(i);
        }

        var pieces = new (string Name, Action Body)[]
        {
            ("forward and backward pass, as training runs it (TrainingLogits: one autograd node, the direction's gradient in one pass)", () => WithLeaves(layers, true, TrainingPass)),
            ("the same pass through the modules' operations one at a time (not TrainingLogits)", () => WithLeaves(layers, true, () => TrainingPassBy(ModuleLogits))),
            ("the generator step's two passes over 100 rows each, frozen: real rows without a gradient, generated rows with (FrozenFeatures: one node over both, freezing included)", () => GeneratorStepPasses(discriminator.MatchedFeatures)),
            ("the same two passes through the modules' operations one at a time", () => GeneratorStepPasses(ModulePasses)),
            ("forward pass alone (Logits; the direction through autograd)", () => WithLeaves(layers, false, Forward)),
            ($"the six products alone, operands in {type} beforehand", () => EachLayer(i => castInputs[i].matmul(castDirections[i].t()).Dispose())),
            ("Gaussian noise, six fills", () => EachLayer(i => noise.Normal(inputs[i].shape, inputs[i].device).Dispose())),
            ($"the direction in {type} and its norm, as a training pass makes them (DirectionGradient.Of)", () => EachLayer(i => DirectionGradient.Of(directions[i], type).Dispose())),
            ("the noise's addition", () => EachLayer(i => inputs[i].add(inputs[i], alpha: hiddenNoiseLevel).Dispose())),
            ($"the inputs' casts to {type}", () => EachLayer(i => inputs[i].to(type).Dispose())),
            ("the products' casts to float32", () => EachLayer(i => castOutputs[i].to(ScalarType.Float32).Dispose())),
            ("scale and bias (addcmul)", () => EachLayer(i => { using var _ = no_grad(); biases[i].addcmul(outputs[i], scales[i], HeldScalars.One).Dispose(); })),
            ("ReLU in place on a copy", () => EachLayer(i => { using var copy = outputs[i].clone(); nn.functional.relu(copy, inplace: true).Dispose(); })),
            ("the copy alone", () => EachLayer(i => outputs[i].clone().Dispose())),
            ("these operations chained as the layers chain them, autograd recording", () => Chain(true)),
            ("the same chain, no autograd", () => Chain(false)),
            ("freezing and thawing the six layers (the generator's step)", () => { discriminator.FreezeWeights(); discriminator.ThawWeights(); }),
            ("one TorchSharp call (adding two 10-element tensors)", () => tiny.add(tiny).Dispose()),
        };
        foreach (var piece in pieces)
        {
            for (int i = 0; i < 20; i++)
                piece.Body();
        }
        var times = pieces.Select(_ => new List<double>()).ToArray();
        for (int turn = 0; turn < turns; turn++)
        {
            for (int p = 0; p < pieces.Length; p++)
            {
                var clock = Stopwatch.StartNew();
                for (int i = 0; i < 100; i++)
                    pieces[p].Body();
                times[p].Add(clock.Elapsed.TotalMilliseconds / 100);
            }
        }
        double matmulAfter = MatmulRate.MlpShape(type);

        var table = new StringBuilder();
        string FasterIn(int one, int modules) => $"{times[one].Zip(times[modules]).Count(t => t.First < t.Second)} of {turns}";
        string comparison = $"One autograd node faster than the modules' operations in the same turn: the discriminator's pass in {FasterIn(0, 1)} turns, the generator step's two passes in {FasterIn(2, 3)}.";
        table.AppendLine("| piece (all six layers, 300 rows unless stated) | median (ms) | fastest turn (ms) |");
        table.AppendLine("|---|---:|---:|");
        for (int p = 0; p < pieces.Length; p++)
            table.AppendLine($"| {pieces[p].Name} | {Median(times[p]):F3} | {times[p].Min():F3} |");
        Console.WriteLine(table);
        Console.WriteLine(comparison);
        string report = $"""
            # The discriminator's training pass, piece by piece

            Command: `dotnet run -c Release --project test/Microsoft.ML.Gan.Benchmarks -- forward-pieces {turns} {threads}`
            Machine: {Environment.ProcessorCount} cores, {threads} torch threads, {Environment.OSVersion}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {mklPath}.
            Matrix multiply 100x784 by 784x1000 in {type}, same process, before / after (GFLOP/s): {matmulBefore:F0} / {matmulAfter:F0}.
            The default discriminator in training mode, products in {type}; {turns} turns of 100 timings per piece, the pieces alternating.
            Freed memory {(retained ? "kept in the process (glibc's mmap threshold 32 MiB, trim threshold 1 GiB), as a training run's steps keep theirs" : "returned to the system as the C library chooses")}.

            {table}
            {comparison}
            """;
        string path = Path.Combine(outputDirectory, "forward-pieces.md");
        File.WriteAllText(path, report);
        Console.WriteLine($"Wrote {path}");
    }

    /// <summary>Runs <paramref name="body"/> with the layers' one-pass direction gradient set to <paramref name="onePass"/>.</summary>
    private static void WithLeaves(WeightNormDense[] layers, bool onePass, Action body)
    {
        foreach (var layer in layers)
            layer.DirectionGradientInOnePass = onePass;
        body();
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
