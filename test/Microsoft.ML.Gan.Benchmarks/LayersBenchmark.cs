using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.ML.Gan.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>
/// The discriminator's five hidden layers (784-1000-500-250-250-250, bfloat16 products, noise of 0.5) computed two ways in
/// one process, alternating round by round so that both see the same machine speed: libtorch's kernels and autograd
/// (noise layer, <see cref="WeightNormDense.forward"/>, ReLU) and one fused node per layer
/// (<see cref="WeightNormReluFunction"/>). Two cases as training runs them: forward and backward over 300 rows with the
/// directions trained (the discriminator's step), and over 100 rows with the weights frozen and a gradient for the input
/// only (the generator's step). The two ways give the same values to the bit (WeightNormReluFunctionTests).
/// </summary>
internal static class LayersBenchmark
{
    private static readonly int[] Widths = [784, 1000, 500, 250, 250, 250];

    public static void Run(int rounds, int threads, string outputDirectory)
    {
        // The library's native settings (OpenMP waits, MKL's fast path) take effect only if it runs before libtorch loads.
        RuntimeHelpers.RunModuleConstructor(typeof(WeightNormDense).Module.ModuleHandle);
        set_num_threads(threads);
        Console.WriteLine($"MKL fast path on AMD: {MatmulRate.ThisProcess()}");
        double matmulBefore = MatmulRate.MlpShape(ScalarType.BFloat16);
        var table = new StringBuilder();
        table.AppendLine("| case | libtorch's kernels (ms) | fused layers (ms) | fused / libtorch | rounds the fused layers were faster |");
        table.AppendLine("|---|---:|---:|---:|---:|");
        foreach (bool frozen in new[] { false, true })
        {
            var (composed, fused) = Measure(frozen, rounds);
            int faster = composed.Zip(fused).Count(p => p.Second < p.First);
            string name = frozen ? "generator's step: 100 rows, weights frozen, input gradient" : "discriminator's step: 300 rows, directions trained";
            table.AppendLine($"| {name} | {Median(composed):F2} | {Median(fused):F2} | {Median(fused) / Median(composed):P0} | {faster} of {rounds} |");
        }
        double matmulAfter = MatmulRate.MlpShape(ScalarType.BFloat16);
        Console.WriteLine(table);

        string report = $"""
            # The discriminator's hidden layers: libtorch's kernels against the fused node

            Command: `dotnet run -c Release --project test/Microsoft.ML.Gan.Benchmarks -- layers {rounds} {threads}`
            Machine: {Environment.ProcessorCount} cores, {threads} torch threads, {Environment.OSVersion}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.
            Five hidden layers 784-1000-500-250-250-250 with bfloat16 products and noise of standard deviation 0.5, forward and
            backward of the sum of the outputs; median milliseconds of {rounds} rounds of 50 repetitions each, the two ways
            alternating round by round. Same-run bfloat16 matmul 100x784 by 784x1000 before / after: {matmulBefore:F0} / {matmulAfter:F0} GFLOP/s.

            {table}
            """;
        string path = Path.Combine(outputDirectory, "layers.md");
        File.WriteAllText(path, report);
        Console.WriteLine($"Wrote {path}");
    }

    /// <summary>Milliseconds per forward and backward pass of the five layers in each round, libtorch's way and fused.</summary>
    private static (List<double> Composed, List<double> Fused) Measure(bool frozen, int rounds)
    {
        using var scope = NewDisposeScope();
        var layers = new List<WeightNormDense>();
        for (int i = 0; i + 1 < Widths.Length; i++)
        {
            using var direction = randn([Widths[i + 1], Widths[i]], generator: new Generator((ulong)i + 1)).mul(0.05);
            var layer = new WeightNormDense($"dense{i}", Widths[i], Widths[i + 1], trainScale: false, direction) { ProductType = ScalarType.BFloat16 };
            if (frozen)
            {
                foreach (var p in layer.parameters())
                    p.requires_grad = false;
                layer.Freeze();
            }
            layers.Add(layer);
        }
        var noise = new GaussianNoise("noise", 0.5, new GaussianNoiseSource(1));
        noise.train();
        using var input = rand([frozen ? 100 : 300, Widths[0]], generator: new Generator(9));
        var (composed, fused) = (new List<double>(), new List<double>());
        for (int round = 0; round <= rounds; round++)
        {
            foreach (bool fusedWay in new[] { false, true })
            {
                var watch = Stopwatch.StartNew();
                for (int repetition = 0; repetition < 50; repetition++)
                    Step(layers, noise, input, frozen, fusedWay);
                // Round 0 warms both ways up.
                if (round > 0)
                    (fusedWay ? fused : composed).Add(watch.Elapsed.TotalMilliseconds / 50);
            }
        }
        foreach (var layer in layers)
            layer.Dispose();
        return (composed, fused);
    }

    private static void Step(List<WeightNormDense> layers, GaussianNoise noise, Tensor input, bool frozen, bool fusedWay)
    {
        using var scope = NewDisposeScope();
        var x = frozen ? input.detach().requires_grad_(true) : input;
        foreach (var layer in layers)
            x = fusedWay ? WeightNormReluFunction.Apply(x, layer, noise) : nn.functional.relu(layer.forward(noise.forward(x)), inplace: true);
        x.sum().backward();
        foreach (var layer in layers)
        {
            foreach (var p in layer.parameters())
                p.grad = null;
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
