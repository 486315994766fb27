using System.CommandLine;
using Microsoft.ML.Data;
using Microsoft.ML.Gan.IO;

namespace Microsoft.ML.Gan.Cli;

/// <summary>
/// <c>mlgan generate</c>: runs a generator saved by <c>mlgan train --generator</c> and draws a grid of samples; a
/// class-conditional generator (trained with <c>--conditional</c>) gets one row per class, in the label's key order.
/// </summary>
internal static class GenerateCommand
{
    public static System.CommandLine.Command Create(TextWriter output)
    {
        var generator = new Option<FileInfo>("--generator") { Description = "The generator ONNX file written by 'mlgan train --generator'.", Required = true };
        var count = new Option<int>("--count") { Description = "Number of samples (unconditional generator).", DefaultValueFactory = _ => 64 };
        var perClass = new Option<int>("--per-class") { Description = "Samples per class of a class-conditional generator: one grid row per class.", DefaultValueFactory = _ => 10 };
        var seed = new Option<int>("--seed") { Description = "Seed of the noise.", DefaultValueFactory = _ => 1 };
        var grid = new Option<FileInfo>("--output") { Description = "PNG file for the grid of samples.", DefaultValueFactory = _ => new FileInfo("samples.png") };
        var command = new System.CommandLine.Command("generate", "Draw samples from a trained generator into a PNG grid (square grayscale or three-plane colour images).") { generator, count, perClass, seed, grid };
        command.SetAction(parsed =>
        {
            var file = parsed.GetValue(generator)!;
            if (!file.Exists)
                throw new FileNotFoundException($"Generator file '{file.FullName}' does not exist; write one with 'mlgan train --generator'.", file.FullName);
            var (noiseSize, classCount) = Inputs(file.FullName);
            var (option, samples) = classCount > 0 ? ("--per-class", parsed.GetValue(perClass)) : ("--count", parsed.GetValue(count));
            if (samples <= 0)
                throw new ArgumentException($"{option} {samples}: expected a positive number of samples.");
            var ml = new MLContext(1);
            var pixels = Run(ml, file.FullName, noiseSize, classCount, samples, parsed.GetValue(seed));
            string path = parsed.GetValue(grid)!.FullName;
            var shape = ImageFiles.Square(pixels[0].Length)
                ?? throw new InvalidDataException($"Samples of {pixels[0].Length} values are not square grayscale or colour images.");
            ImageFiles.WriteGrid(path, pixels, shape, classCount > 0 ? samples : 0);
            output.WriteLine(classCount > 0 ? $"Wrote {samples} samples of each of {classCount} classes (one row per class) to {path}" : $"Wrote {samples} samples to {path}");
            return MlganCli.Success;
        });
        return command;
    }

    /// <summary>
    /// Feeds z ~ U[0,1) (seeded) through the ONNX generator with ML.NET's ApplyOnnxModel: <paramref name="count"/> samples,
    /// or with <paramref name="classCount"/> classes <paramref name="count"/> samples of class 0, then of class 1, ...
    /// </summary>
    private static float[][] Run(MLContext ml, string generatorPath, int noiseSize, int classCount, int count, int seed)
    {
        var random = new Random(seed);
        var schema = SchemaDefinition.Create(typeof(NoiseRow));
        schema[nameof(NoiseRow.Noise)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, noiseSize);
        if (classCount > 0)
            schema[nameof(NoiseRow.Class)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, classCount);
        else
            schema.RemoveAll(c => c.MemberName == nameof(NoiseRow.Class));
        var rows = ml.Data.LoadFromEnumerable(
            Enumerable.Range(0, count * Math.Max(1, classCount)).Select(i => new NoiseRow
            {
                Noise = Enumerable.Range(0, noiseSize).Select(_ => (float)random.NextDouble()).ToArray(),
                Class = Enumerable.Range(0, classCount).Select(k => k == i / count ? 1f : 0f).ToArray(),
            }).ToArray(), schema);
        string[] inputs = classCount > 0 ? ["Noise", "Class"] : ["Noise"];
        using var generator = ml.Transforms.ApplyOnnxModel(["Features"], inputs, generatorPath).Fit(rows);
        var scored = generator.Transform(rows);
        return ImageFiles.Read(scored, scored.Schema["Features"]).ToArray();
    }

    /// <summary>The generator's noise length and class count (0: unconditional), read from its ONNX inputs Noise [N, NoiseSize] and Class [N, K].</summary>
    private static (int NoiseSize, int ClassCount) Inputs(string generatorPath)
    {
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(generatorPath);
        var noise = session.InputMetadata.TryGetValue("Noise", out var metadata)
            ? metadata
            : throw new InvalidDataException($"'{generatorPath}' has no input named 'Noise'; it is not a generator written by mlgan.");
        return (noise.Dimensions[^1], session.InputMetadata.TryGetValue("Class", out var classes) ? classes.Dimensions[^1] : 0);
    }

    private sealed class NoiseRow
    {
        public float[] Noise { get; set; } = [];

        public float[] Class { get; set; } = [];
    }
}
