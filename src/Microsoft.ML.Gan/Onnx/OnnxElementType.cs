namespace Microsoft.ML.Gan.Onnx;

/// <summary>The ONNX tensor element types (TensorProto.DataType values) this library writes.</summary>
internal enum OnnxElementType
{
    Float = 1,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Double = 11,
    UInt32 = 12,
}
