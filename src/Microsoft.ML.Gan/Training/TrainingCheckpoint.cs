using System.Security.Cryptography;
using System.Text;
using Microsoft.ML.Gan.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// The complete state of a training run after an epoch: named tensors (both networks, the parameter average, the
/// optimisers' moments, the random generator's state) and named numbers (optimiser steps, average updates, best
/// epoch), plus a description of the architecture and data it belongs to. The file is "MLGANCKP", a format version,
/// the payload and its SHA-256, written atomically; reading checks the hash before parsing, so any damage is reported
/// as an <see cref="InvalidDataException"/> naming the file.
/// </summary>
internal sealed class TrainingCheckpoint : IDisposable
{
    /// <summary>Name of the checkpoint file inside a checkpoint directory.</summary>
    public const string FileName = "checkpoint.mlgan";

    private static readonly byte[] Magic = "MLGANCKP"u8.ToArray();
    private const int FormatVersion = 1;
    private const int HashLength = 32;
    private const int MaximumRank = 8;

    public TrainingCheckpoint(string architecture, int epoch)
    {
        Architecture = architecture;
        Epoch = epoch;
    }

    /// <summary>Architecture and data the state belongs to; resuming requires the same.</summary>
    public string Architecture { get; }

    /// <summary>The last completed epoch, from 1.</summary>
    public int Epoch { get; }

    public Dictionary<string, double> Numbers { get; } = new();

    public Dictionary<string, Tensor> Tensors { get; } = new();

    /// <summary>Stores a copy of <paramref name="value"/> on the CPU.</summary>
    public void Add(string name, Tensor value)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        Tensors.Add(name, value.detach().cpu().contiguous().clone().DetachFromDisposeScope());
    }

    /// <summary>The tensor saved under <paramref name="name"/>; the file is named when it is missing.</summary>
    public Tensor Get(string name, string path) =>
        Tensors.TryGetValue(name, out var value) ? value : throw Damaged(path, $"it has no tensor '{name}'");

    public double GetNumber(string name, string path) =>
        Numbers.TryGetValue(name, out var value) ? value : throw Damaged(path, $"it has no value '{name}'");

    /// <summary>Copies the saved tensor <paramref name="name"/> into <paramref name="target"/>, checking its shape.</summary>
    public void CopyTo(string name, Tensor target, string path)
    {
        var saved = Get(name, path);
        if (!saved.shape.SequenceEqual(target.shape) || saved.dtype != target.dtype)
            throw Damaged(path, $"tensor '{name}' has shape [{string.Join(", ", saved.shape)}] {saved.dtype}, the network needs [{string.Join(", ", target.shape)}] {target.dtype}");
        using var _ = no_grad();
        target.copy_(saved);
    }

    /// <summary>
    /// Writes the checkpoint through a temporary file and a rename, streaming the payload through its SHA-256 so that
    /// no copy of the state is built in memory.
    /// </summary>
    public void Write(string path)
    {
        AtomicFile.Write(path, stream =>
        {
            stream.Write(Magic);
            stream.Write(BitConverter.GetBytes(FormatVersion));
            using var sha = SHA256.Create();
            using (var hashed = new CryptoStream(stream, sha, CryptoStreamMode.Write, leaveOpen: true))
            {
                using (var writer = new BinaryWriter(hashed, Encoding.UTF8, leaveOpen: true))
                    WritePayload(writer);
                hashed.FlushFinalBlock();
            }
            stream.Write(sha.Hash!);
        });
    }

    private void WritePayload(BinaryWriter writer)
    {
        writer.Write(Architecture);
        writer.Write(Epoch);
        writer.Write(Numbers.Count);
        foreach (var (name, value) in Numbers)
        {
            writer.Write(name);
            writer.Write(value);
        }
        writer.Write(Tensors.Count);
        foreach (var (name, value) in Tensors)
        {
            writer.Write(name);
            writer.Write((int)value.dtype);
            writer.Write(value.shape.Length);
            foreach (long dimension in value.shape)
                writer.Write(dimension);
            var bytes = value.bytes;
            writer.Write((long)bytes.Length);
            writer.Write(bytes);
        }
    }

    /// <summary>Reads a checkpoint and checks that it belongs to <paramref name="expectedArchitecture"/> (null: any).</summary>
    public static TrainingCheckpoint Read(string path, string? expectedArchitecture)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Checkpoint file '{path}' does not exist.", path);
        byte[] file = File.ReadAllBytes(path);
        int header = Magic.Length + sizeof(int);
        if (file.Length < header + HashLength || !file.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw Damaged(path, "it does not start with the Microsoft.ML.Gan checkpoint header");
        int version = BitConverter.ToInt32(file, Magic.Length);
        if (version != FormatVersion)
            throw Damaged(path, $"its format version is {version}; this library reads version {FormatVersion}");
        var body = file.AsSpan(header, file.Length - header - HashLength);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(file.AsSpan(file.Length - HashLength)))
            throw Damaged(path, "its SHA-256 does not match its content (truncated or corrupted)");

        TrainingCheckpoint? checkpoint = null;
        try
        {
            using var reader = new BinaryReader(new MemoryStream(file, header, body.Length), Encoding.UTF8);
            string architecture = reader.ReadString();
            if (expectedArchitecture is not null && architecture != expectedArchitecture)
                throw new InvalidOperationException(
                    $"Checkpoint '{path}' belongs to another architecture or data set: it has '{architecture}', this training needs '{expectedArchitecture}'.");
            checkpoint = new TrainingCheckpoint(architecture, reader.ReadInt32());
            int numbers = Count(reader.ReadInt32(), path);
            for (int i = 0; i < numbers; i++)
                checkpoint.Numbers[reader.ReadString()] = reader.ReadDouble();
            int tensors = Count(reader.ReadInt32(), path);
            for (int i = 0; i < tensors; i++)
            {
                string name = reader.ReadString();
                var tensor = ReadTensor(reader, path);
                if (!checkpoint.Tensors.TryAdd(name, tensor))
                {
                    tensor.Dispose();
                    throw Damaged(path, $"tensor '{name}' appears twice");
                }
            }
            return checkpoint;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ArgumentException or FormatException or OverflowException)
        {
            checkpoint?.Dispose();
            throw Damaged(path, e.Message);
        }
        catch
        {
            checkpoint?.Dispose();
            throw;
        }
    }

    private static Tensor ReadTensor(BinaryReader reader, string path)
    {
        var type = (ScalarType)reader.ReadInt32();
        if (type is not (ScalarType.Float32 or ScalarType.Byte or ScalarType.Int64))
            throw Damaged(path, $"tensor type {(int)type} is not supported");
        int rank = reader.ReadInt32();
        if (rank < 0 || rank > MaximumRank)
            throw Damaged(path, $"tensor rank {rank} is out of range");
        var shape = new long[rank];
        long elements = 1;
        for (int d = 0; d < rank; d++)
        {
            shape[d] = reader.ReadInt64();
            if (shape[d] < 0 || shape[d] > int.MaxValue)
                throw Damaged(path, $"tensor dimension {shape[d]} is out of range");
            elements = checked(elements * shape[d]);
        }
        long length = reader.ReadInt64();
        int elementSize = type switch { ScalarType.Float32 => 4, ScalarType.Int64 => 8, _ => 1 };
        if (length != checked(elements * elementSize) || length > reader.BaseStream.Length - reader.BaseStream.Position)
            throw Damaged(path, $"a tensor claims {length} bytes for {elements} elements");
        var tensor = empty(shape, type);
        tensor.bytes = reader.ReadBytes((int)length);
        return tensor.DetachFromDisposeScope();
    }

    private static int Count(int value, string path) =>
        value is >= 0 and <= 100_000 ? value : throw Damaged(path, $"an entry count of {value} is out of range");

    private static InvalidDataException Damaged(string path, string reason) =>
        new($"Checkpoint '{path}' cannot be read: {reason}.");

    public void Dispose()
    {
        foreach (var tensor in Tensors.Values)
            tensor.Dispose();
    }
}
