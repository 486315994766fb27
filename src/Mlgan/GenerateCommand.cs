using System.CommandLine;
using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Cli;

/// <summary><c>mlgan generate</c>: runs a generator saved by <c>mlgan train --generator</c> and draws a grid of samples.</summary>
internal static class GenerateCommand
{
    public static System.CommandLine.Command Create(TextWriter output)
    {
        var generator = new Option<FileInfo>("--generator") { Description = "The generator ONNX file written by 'mlgan train --generator'.", Required = true };
        var count = new Option<int>("--count") { Description = "Number of samples.", DefaultValueFactory = _ => 64 };
        var seed = new Option<int>("--seed") { Description = "Seed of the noise.", DefaultValueFactory = _ => 1 };
        var grid = new Option<FileInfo>("--output") { Description = "PNG file for the grid of samples.", DefaultValueFactory = _ => new FileInfo("samples.png") };
        var command = new System.CommandLine.Command("generate", "Draw samples from a trained generator into a PNG grid (square grayscale or three-plane colour images).") { generator, count, seed, grid };
        command.SetAction(parsed =>
        {
            var file = parsed.GetValue(generator)!;
            if (!file.Exists)
                throw new FileNotFoundException($"Generator file '{file.FullName}' does not exist; write one with 'mlgan train --generator'.", file.FullName);
            int samples = parsed.GetValue(count);
            if (samples <= 0)
                throw new ArgumentException($"--count {samples}: expected a positive number of samples.");
            var ml = new MLContext(1);
            var pixels = Run(ml, file.FullName, samples, parsed.GetValue(seed));
            string path = parsed.GetValue(grid)!.FullName;
            if (!SampleGrid.TryWrite(pixels, path))
                throw new InvalidDataException($"Samples of {pixels[0].Length} values are not square grayscale or colour images.");
            output.WriteLine($"Wrote {samples} samples to {path}");
            return MlganCli.Success;
        });
        return command;
    }

    /// <summary>Feeds z ~ U[0,1) (seeded) through the ONNX generator with ML.NET's ApplyOnnxModel.</summary>
    private static float[][] Run(MLContext ml, string generatorPath, int count, int seed)
    {
        var random = new Random(seed);
        int noiseSize = NoiseSize(generatorPath);
        var schema = SchemaDefinition.Create(typeof(NoiseRow));
        schema[nameof(NoiseRow.Noise)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, noiseSize);
        var rows = ml.Data.LoadFromEnumerable(
            Enumerable.Range(0, count).Select(_ => new NoiseRow { Noise = Enumerable.Range(0, noiseSize).Select(_ => (float)random.NextDouble()).ToArray() }).ToArray(), schema);
        using var generator = ml.Transforms.ApplyOnnxModel("Features", "Noise", generatorPath).Fit(rows);
        var scored = generator.Transform(rows);
        var column = scored.Schema["Features"];
        var result = new List<float[]>();
        using var cursor = scored.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        var value = default(VBuffer<float>);
        while (cursor.MoveNext())
        {
            getter(ref value);
            result.Add(value.DenseValues().ToArray());
        }
        return result.ToArray();
    }

    /// <summary>The generator's noise length, read from its ONNX input shape [N, NoiseSize].</summary>
    private static int NoiseSize(string generatorPath)
    {
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(generatorPath);
        var input = session.InputMetadata.TryGetValue("Noise", out var metadata)
            ? metadata
            : throw new InvalidDataException($"'{generatorPath}' has no input named 'Noise'; it is not a generator written by mlgan.");
        return input.Dimensions[^1];
    }

    private sealed class NoiseRow
    {
        public float[] Noise { get; set; } = [];
    }
}
