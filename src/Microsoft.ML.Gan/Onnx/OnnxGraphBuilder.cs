using System.Text;
using Google.Protobuf;
using static Google.Protobuf.WireFormat;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Onnx;

/// <summary>
/// Builds a single-graph ONNX model and writes it as ModelProto bytes with the field numbers of onnx.proto.
/// Each sub-message is serialised on its own and embedded length-prefixed. A dimension of -1 in an input or
/// output shape is the symbolic batch dimension "N".
/// </summary>
internal sealed class OnnxGraphBuilder
{
    /// <summary>The IR version matching opset 17.</summary>
    public const long IrVersion = 8;

    public const long DefaultOpsetVersion = 17;

    private const string BatchDimension = "N";

    private readonly string _graphName;
    private readonly long _opsetVersion;
    private readonly List<byte[]> _nodes = [];
    private readonly List<byte[]> _initializers = [];
    private readonly List<byte[]> _inputs = [];
    private readonly List<byte[]> _outputs = [];

    public OnnxGraphBuilder(string graphName, long opsetVersion = DefaultOpsetVersion)
    {
        ArgumentException.ThrowIfNullOrEmpty(graphName);
        _graphName = graphName;
        _opsetVersion = opsetVersion;
    }

    /// <summary>Declares a graph input of the given element type and shape.</summary>
    public void AddInput(string name, OnnxElementType type, params long[] dims) => _inputs.Add(ValueInfo(name, type, dims));

    /// <summary>Declares a graph output of the given element type and shape.</summary>
    public void AddOutput(string name, OnnxElementType type, params long[] dims) => _outputs.Add(ValueInfo(name, type, dims));

    /// <summary>Adds a float constant with the values and shape of <paramref name="values"/> (a trained tensor, copied without its autograd history).</summary>
    public void AddInitializer(string name, Tensor values)
    {
        using var detached = values.detach();
        using var contiguous = detached.contiguous();
        AddInitializer(name, contiguous.data<float>().ToArray(), contiguous.shape);
    }

    public void AddInitializer(string name, float[] values, params long[] dims) =>
        AddRaw(name, OnnxElementType.Float, values.Length, dims, w => Array.ForEach(values, w.Write));

    public void AddInitializer(string name, double[] values, params long[] dims) =>
        AddRaw(name, OnnxElementType.Double, values.Length, dims, w => Array.ForEach(values, w.Write));

    public void AddInitializer(string name, int[] values, params long[] dims) =>
        AddRaw(name, OnnxElementType.Int32, values.Length, dims, w => Array.ForEach(values, w.Write));

    public void AddInitializer(string name, long[] values, params long[] dims) =>
        AddRaw(name, OnnxElementType.Int64, values.Length, dims, w => Array.ForEach(values, w.Write));

    public void AddInitializer(string name, uint[] values, params long[] dims) =>
        AddRaw(name, OnnxElementType.UInt32, values.Length, dims, w => Array.ForEach(values, w.Write));

    public void AddInitializer(string name, bool[] values, params long[] dims) =>
        AddRaw(name, OnnxElementType.Bool, values.Length, dims, w => Array.ForEach(values, w.Write));

    /// <summary>Adds a string constant; each value is stored as UTF-8 bytes in string_data.</summary>
    public void AddInitializer(string name, string[] values, params long[] dims) =>
        _initializers.Add(Tensor(name, OnnxElementType.String, values.Length, dims, o =>
        {
            foreach (string value in values)
            {
                WriteBytes(o, 6, Encoding.UTF8.GetBytes(value));
            }
        }));

    /// <summary>Appends a node of the default (ai.onnx) domain; nodes must be added in topological order.</summary>
    public void AddNode(string opType, string[] inputs, string[] outputs, params OnnxAttribute[] attributes)
    {
        string nodeName = $"{opType}_{_nodes.Count}";
        _nodes.Add(Message(o =>
        {
            foreach (string input in inputs)
            {
                WriteString(o, 1, input);
            }
            foreach (string output in outputs)
            {
                WriteString(o, 2, output);
            }
            WriteString(o, 3, nodeName);
            WriteString(o, 4, opType);
            foreach (var attribute in attributes)
            {
                WriteMessage(o, 5, Attribute(attribute));
            }
        }));
    }

    /// <summary>Serialises the model: IR version, the default-domain opset, producer and the graph.</summary>
    public byte[] ToBytes(string producerName = "Microsoft.ML.Gan", string? producerVersion = null)
    {
        producerVersion ??= typeof(OnnxGraphBuilder).Assembly.GetName().Version?.ToString() ?? "0.0.0";
        byte[] opset = Message(o =>
        {
            WriteString(o, 1, "");
            WriteInt64(o, 2, _opsetVersion);
        });
        byte[] graph = Message(o =>
        {
            _nodes.ForEach(node => WriteMessage(o, 1, node));
            WriteString(o, 2, _graphName);
            _initializers.ForEach(initializer => WriteMessage(o, 5, initializer));
            _inputs.ForEach(input => WriteMessage(o, 11, input));
            _outputs.ForEach(output => WriteMessage(o, 12, output));
        });
        return Message(o =>
        {
            WriteInt64(o, 1, IrVersion);
            WriteString(o, 2, producerName);
            WriteString(o, 3, producerVersion);
            WriteMessage(o, 7, graph);
            WriteMessage(o, 8, opset);
        });
    }

    private void AddRaw(string name, OnnxElementType type, int count, long[] dims, Action<BinaryWriter> writeValues)
    {
        using var raw = new MemoryStream();
        using (var writer = new BinaryWriter(raw, Encoding.UTF8, leaveOpen: true))
        {
            writeValues(writer);
        }
        byte[] rawData = raw.ToArray();
        _initializers.Add(Tensor(name, type, count, dims, o => WriteBytes(o, 9, rawData)));
    }

    /// <summary>A TensorProto: dims, data_type, the data written by <paramref name="writeData"/>, then the name.</summary>
    private static byte[] Tensor(string name, OnnxElementType type, int count, long[] dims, Action<CodedOutputStream> writeData)
    {
        long expected = 1;
        foreach (long dim in dims)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(dim, nameof(dims));
            expected *= dim;
        }
        if (expected != count)
        {
            throw new ArgumentException($"Initializer '{name}' has {count} values but its shape [{string.Join(", ", dims)}] holds {expected}.", nameof(dims));
        }
        return Message(o =>
        {
            foreach (long dim in dims)
            {
                WriteInt64(o, 1, dim);
            }
            WriteInt64(o, 2, (long)type);
            writeData(o);
            WriteString(o, 8, name);
        });
    }

    /// <summary>A ValueInfoProto with a tensor type; -1 dimensions become the symbolic batch dimension.</summary>
    private static byte[] ValueInfo(string name, OnnxElementType type, long[] dims)
    {
        byte[] shape = Message(o =>
        {
            foreach (long dim in dims)
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(dim, -1, nameof(dims));
                WriteMessage(o, 1, Message(d =>
                {
                    if (dim == -1)
                    {
                        WriteString(d, 2, BatchDimension);
                    }
                    else
                    {
                        WriteInt64(d, 1, dim);
                    }
                }));
            }
        });
        byte[] tensorType = Message(o =>
        {
            WriteInt64(o, 1, (long)type);
            WriteMessage(o, 2, shape);
        });
        byte[] typeProto = Message(o => WriteMessage(o, 1, tensorType));
        return Message(o =>
        {
            WriteString(o, 1, name);
            WriteMessage(o, 2, typeProto);
        });
    }

    /// <summary>An AttributeProto: name, the value field matching the value's type, and the type discriminator.</summary>
    private static byte[] Attribute(OnnxAttribute attribute) => Message(o =>
    {
        WriteString(o, 1, attribute.Name);
        int attributeType;
        switch (attribute.Value)
        {
            case float f:
                o.WriteTag(2, WireType.Fixed32);
                o.WriteFloat(f);
                attributeType = 1;
                break;
            case long i:
                WriteInt64(o, 3, i);
                attributeType = 2;
                break;
            case string s:
                WriteBytes(o, 4, Encoding.UTF8.GetBytes(s));
                attributeType = 3;
                break;
            case long[] ints:
                foreach (long i in ints)
                {
                    WriteInt64(o, 8, i);
                }
                attributeType = 7;
                break;
            default:
                throw new InvalidOperationException($"Attribute '{attribute.Name}' has unsupported value type {attribute.Value.GetType()}.");
        }
        WriteInt64(o, 20, attributeType);
    });

    private static byte[] Message(Action<CodedOutputStream> write)
    {
        using var stream = new MemoryStream();
        using (var output = new CodedOutputStream(stream, leaveOpen: true))
        {
            write(output);
        }
        return stream.ToArray();
    }

    private static void WriteInt64(CodedOutputStream output, int field, long value)
    {
        output.WriteTag(field, WireType.Varint);
        output.WriteInt64(value);
    }

    private static void WriteString(CodedOutputStream output, int field, string value)
    {
        output.WriteTag(field, WireType.LengthDelimited);
        output.WriteString(value);
    }

    private static void WriteBytes(CodedOutputStream output, int field, byte[] value)
    {
        output.WriteTag(field, WireType.LengthDelimited);
        output.WriteBytes(UnsafeByteOperations.UnsafeWrap(value));
    }

    private static void WriteMessage(CodedOutputStream output, int field, byte[] message) => WriteBytes(output, field, message);
}
