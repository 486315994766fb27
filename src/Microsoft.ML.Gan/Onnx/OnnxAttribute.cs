namespace Microsoft.ML.Gan.Onnx;

/// <summary>A named node attribute holding one value: an int64, a float, an int64 list or a string.</summary>
internal sealed record OnnxAttribute
{
    private OnnxAttribute(string name, object value)
    {
        Name = name;
        Value = value;
    }

    public string Name { get; }

    /// <summary>The value: a <see cref="long"/>, a <see cref="float"/>, an array of <see cref="long"/> or a <see cref="string"/>.</summary>
    public object Value { get; }

    public static OnnxAttribute Int(string name, long value) => new(name, value);

    public static OnnxAttribute Float(string name, float value) => new(name, value);

    public static OnnxAttribute Ints(string name, long[] values) => new(name, values);

    public static OnnxAttribute String(string name, string value) => new(name, value);
}
