using System.CommandLine;
using System.IO.Compression;
using Microsoft.ML.Gan.IO;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Gan.Cli;

/// <summary>
/// <c>mlgan export-onnx</c>: writes the ONNX classifier stored inside a model.zip, the graph
/// <see cref="SemiSupervisedGanTransformer.SaveOnnx(string)"/> writes (the same bytes): input [N, features]; outputs the
/// class probabilities, the predicted label value and the one-hot indicator of the most probable class.
/// </summary>
internal static class ExportOnnxCommand
{
    /// <summary>ML.NET's OnnxTransformer keeps its graph in an entry of this name, prefixed by a 32-bit length.</summary>
    private const string OnnxEntryName = "OnnxModel";

    public static System.CommandLine.Command Create(TextWriter output)
    {
        var model = new Option<FileInfo>("--model") { Description = "The model.zip to export.", DefaultValueFactory = _ => new FileInfo("model.zip") };
        var onnx = new Option<FileInfo>("--output") { Description = "Where to write the ONNX graph.", DefaultValueFactory = _ => new FileInfo("model.onnx") };
        var command = new System.CommandLine.Command("export-onnx",
            "Write the classifier inside a model.zip as an ONNX file, the graph 'mlgan train --onnx' writes (input [N, features]; "
            + "outputs the class probabilities, the predicted label value and the one-hot indicator of the most probable class).") { model, onnx };
        command.SetAction(parsed =>
        {
            var source = parsed.GetValue(model)!;
            byte[] graph = Read(source);
            var (inputs, outputs) = Describe(graph, source);
            string path = parsed.GetValue(onnx)!.FullName;
            AtomicFile.Write(path, stream => stream.Write(graph));
            output.WriteLine($"Saved {path}: inputs {inputs}; outputs {outputs}.");
            return MlganCli.Success;
        });
        return command;
    }

    /// <summary>The ONNX graph of the single OnnxTransformer in <paramref name="file"/>.</summary>
    public static byte[] Read(FileInfo file)
    {
        if (!file.Exists)
            throw new FileNotFoundException($"Model file '{file.FullName}' does not exist; train one with 'mlgan train'.", file.FullName);
        try
        {
            using var zip = ZipFile.OpenRead(file.FullName);
            var entries = zip.Entries.Where(e => e.Name == OnnxEntryName).ToList();
            if (entries.Count != 1)
                throw new InvalidDataException($"'{file.FullName}' holds {entries.Count} ONNX graphs; expected the one of a model.zip written by Microsoft.ML.Gan.");
            using var stream = entries[0].Open();
            using var reader = new BinaryReader(stream);
            int length = reader.ReadInt32();
            if (length <= 0 || length != entries[0].Length - sizeof(int))
                throw new InvalidDataException($"'{file.FullName}': the ONNX graph's length {length} does not match its entry of {entries[0].Length} bytes.");
            return reader.ReadBytes(length);
        }
        catch (InvalidDataException e) when (!e.Message.Contains(file.FullName, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"'{file.FullName}' is not a readable model.zip: {e.Message}", e);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"'{file.FullName}' is truncated: {e.Message}", e);
        }
    }

    private static (string Inputs, string Outputs) Describe(byte[] graph, FileInfo file)
    {
        try
        {
            using var session = new InferenceSession(graph);
            return (Names(session.InputMetadata), Names(session.OutputMetadata));
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"The ONNX graph in '{file.FullName}' is damaged: {e.Message}", e);
        }
    }

    private static string Names(IReadOnlyDictionary<string, NodeMetadata> nodes) =>
        string.Join(", ", nodes.Select(n => $"{n.Key} [{string.Join(", ", n.Value.Dimensions)}]"));
}
