using Microsoft.ML.Gan.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.Gan.Tests;

/// <summary>Models written by <see cref="OnnxGraphBuilder"/> load in ONNX Runtime and compute hand-checked values.</summary>
[TestClass]
public sealed class OnnxGraphBuilderTests
{
    private const double Tolerance = 1e-6;

    [TestMethod]
    public void DenseLayerWithReluAndSoftmax_MatchesHandComputedProbabilities()
    {
        var graph = new OnnxGraphBuilder("dense");
        graph.AddInput("x", OnnxElementType.Float, -1, 3);
        graph.AddInitializer("W", [0.5f, -1f, 0.25f, 0.5f, -0.5f, 1f], 3, 2);
        graph.AddInitializer("B", [0.1f, -0.2f], 2);
        graph.AddNode("MatMul", ["x", "W"], ["xw"]);
        graph.AddNode("Add", ["xw", "B"], ["linear"]);
        graph.AddNode("Relu", ["linear"], ["relu"]);
        graph.AddNode("Softmax", ["relu"], ["y"], OnnxAttribute.Int("axis", 1));
        graph.AddOutput("y", OnnxElementType.Float, -1, 2);

        var y = Run<float, float>(graph, "x", [1f, 2f, 3f, 2f, 1f, 0f], [2, 3], "y");

        // Row 0: xW = [0.5 + 0.5 - 1.5, -1 + 1 + 3] = [-0.5, 3]; + B = [-0.4, 2.8]; relu = [0, 2.8].
        // Row 1: xW = [1 + 0.25 + 0, -2 + 0.5 + 0] = [1.25, -1.5]; + B = [1.35, -1.7]; relu = [1.35, 0].
        double[] expected =
        [
            1 / (1 + Math.Exp(2.8)), Math.Exp(2.8) / (1 + Math.Exp(2.8)),
            Math.Exp(1.35) / (Math.Exp(1.35) + 1), 1 / (Math.Exp(1.35) + 1),
        ];
        CollectionAssert.AreEqual(new[] { 2, 2 }, y.Dimensions.ToArray());
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i], y.GetValue(i), Tolerance, $"element {i}");
        }
    }

    [TestMethod]
    public void ArgMaxThenGatherOnStringLabels_ReturnsTheLabelOfTheLargestScore()
    {
        var graph = new OnnxGraphBuilder("labels");
        graph.AddInput("scores", OnnxElementType.Float, -1, 3);
        graph.AddInitializer("labels", ["cat", "dog", "gänse"], 3);
        graph.AddNode("ArgMax", ["scores"], ["index"], OnnxAttribute.Int("axis", 1), OnnxAttribute.Int("keepdims", 0));
        graph.AddNode("Gather", ["labels", "index"], ["label"], OnnxAttribute.Int("axis", 0));
        graph.AddOutput("index", OnnxElementType.Int64, -1);
        graph.AddOutput("label", OnnxElementType.String, -1);

        using var session = new InferenceSession(graph.ToBytes());
        using var results = session.Run([Input("scores", new float[] { 0.1f, 0.9f, 0f, 0.7f, 0.2f, 0.1f, 0f, 0f, 5f }, 3, 3)]);

        CollectionAssert.AreEqual(new long[] { 1, 0, 2 }, Output<long>(results, "index"));
        CollectionAssert.AreEqual(new[] { "dog", "cat", "gänse" }, Output<string>(results, "label"));
    }

    [TestMethod]
    public void GatherOnFloatInitializerThenCastToUInt32_RoundTripsBothTypes()
    {
        var graph = new OnnxGraphBuilder("cast");
        graph.AddInput("index", OnnxElementType.Int64, -1);
        graph.AddInitializer("values", [10.5f, 20.25f, 30f], 3);
        graph.AddNode("Gather", ["values", "index"], ["gathered"], OnnxAttribute.Int("axis", 0));
        graph.AddNode("Cast", ["gathered"], ["cast"], OnnxAttribute.Int("to", (long)OnnxElementType.UInt32));
        graph.AddOutput("gathered", OnnxElementType.Float, -1);
        graph.AddOutput("cast", OnnxElementType.UInt32, -1);

        using var session = new InferenceSession(graph.ToBytes());
        using var results = session.Run([Input("index", new long[] { 2, 0, 1 }, 3)]);

        CollectionAssert.AreEqual(new[] { 30f, 10.5f, 20.25f }, Output<float>(results, "gathered"));
        CollectionAssert.AreEqual(new uint[] { 30, 10, 20 }, Output<uint>(results, "cast"));
    }

    [TestMethod]
    public void InitializersOfEveryElementType_RoundTripThroughGather()
    {
        AssertGatherRoundTrips(OnnxElementType.Float, new[] { 1.5f, -2f, 3.25f }, (g, n, v) => g.AddInitializer(n, v, v.Length));
        AssertGatherRoundTrips(OnnxElementType.Double, new[] { 1.5, -2e300, 1e-300 }, (g, n, v) => g.AddInitializer(n, v, v.Length));
        AssertGatherRoundTrips(OnnxElementType.Int32, new[] { int.MinValue, -1, int.MaxValue }, (g, n, v) => g.AddInitializer(n, v, v.Length));
        AssertGatherRoundTrips(OnnxElementType.Int64, new[] { long.MinValue, -1L, long.MaxValue }, (g, n, v) => g.AddInitializer(n, v, v.Length));
        AssertGatherRoundTrips(OnnxElementType.UInt32, new[] { 0u, 7u, uint.MaxValue }, (g, n, v) => g.AddInitializer(n, v, v.Length));
        AssertGatherRoundTrips(OnnxElementType.Bool, new[] { true, false, true }, (g, n, v) => g.AddInitializer(n, v, v.Length));
        AssertGatherRoundTrips(OnnxElementType.String, new[] { "", "a b", "ü" }, (g, n, v) => g.AddInitializer(n, v, v.Length));
    }

    [TestMethod]
    public void FloatStringAndIntsAttributes_ReachTheOperators()
    {
        var graph = new OnnxGraphBuilder("attributes");
        graph.AddInput("x", OnnxElementType.Float, 2, 2);
        graph.AddInitializer("pads", [0L, 1L, 0L, 1L], 4);
        graph.AddNode("LeakyRelu", ["x"], ["leaky"], OnnxAttribute.Float("alpha", 0.5f));
        graph.AddNode("Transpose", ["leaky"], ["transposed"], OnnxAttribute.Ints("perm", [1, 0]));
        graph.AddNode("Pad", ["transposed", "pads"], ["y"], OnnxAttribute.String("mode", "edge"));
        graph.AddOutput("y", OnnxElementType.Float, 2, 4);

        var y = Run<float, float>(graph, "x", [1f, -2f, -4f, 3f], [2, 2], "y");

        // leaky = [[1, -1], [-2, 3]]; transposed = [[1, -2], [-1, 3]]; edge padding repeats the first and last columns.
        CollectionAssert.AreEqual(new[] { 1f, 1f, -2f, -2f, -1f, -1f, 3f, 3f }, y.ToArray());
    }

    [TestMethod]
    public void ModelMetadataAndSymbolicBatchDimension_AreWritten()
    {
        var graph = new OnnxGraphBuilder("identity");
        graph.AddInput("x", OnnxElementType.Double, -1, 4);
        graph.AddNode("Identity", ["x"], ["y"]);
        graph.AddOutput("y", OnnxElementType.Double, -1, 4);

        using var session = new InferenceSession(graph.ToBytes("TestProducer", "1.2.3"));

        Assert.AreEqual("TestProducer", session.ModelMetadata.ProducerName);
        Assert.AreEqual("identity", session.ModelMetadata.GraphName);
        var input = session.InputMetadata["x"];
        Assert.AreEqual(typeof(double), input.ElementType);
        CollectionAssert.AreEqual(new[] { -1, 4 }, input.Dimensions);
        Assert.AreEqual("N", input.SymbolicDimensions[0]);
    }

    [TestMethod]
    public void NodeReferencingAnUnknownInput_IsRejectedByOnnxRuntime()
    {
        var graph = new OnnxGraphBuilder("invalid");
        graph.AddInput("x", OnnxElementType.Float, -1, 2);
        graph.AddNode("Relu", ["missing"], ["y"]);
        graph.AddOutput("y", OnnxElementType.Float, -1, 2);
        byte[] model = graph.ToBytes();

        var e = Assert.ThrowsExactly<OnnxRuntimeException>(() => new InferenceSession(model).Dispose());
        StringAssert.Contains(e.Message, "missing");
    }

    [TestMethod]
    public void InitializerWhoseShapeDoesNotMatchItsValues_IsRejected()
    {
        var graph = new OnnxGraphBuilder("shape");

        Assert.ThrowsExactly<ArgumentException>(() => graph.AddInitializer("W", [1f, 2f, 3f], 2, 2));
    }

    private static void AssertGatherRoundTrips<T>(OnnxElementType type, T[] values, Action<OnnxGraphBuilder, string, T[]> addInitializer)
    {
        var graph = new OnnxGraphBuilder("gather");
        graph.AddInput("index", OnnxElementType.Int64, -1);
        addInitializer(graph, "values", values);
        graph.AddNode("Gather", ["values", "index"], ["y"], OnnxAttribute.Int("axis", 0));
        graph.AddOutput("y", type, -1);

        using var session = new InferenceSession(graph.ToBytes());
        using var results = session.Run([Input("index", new long[] { 2, 1, 0, 2 }, 4)]);

        CollectionAssert.AreEqual(new[] { values[2], values[1], values[0], values[2] }, Output<T>(results, "y"), type.ToString());
    }

    private static Tensor<TOut> Run<TIn, TOut>(OnnxGraphBuilder graph, string inputName, TIn[] input, int[] shape, string outputName)
    {
        using var session = new InferenceSession(graph.ToBytes());
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(inputName, new DenseTensor<TIn>(input, shape))]);
        return results.Single(r => r.Name == outputName).AsTensor<TOut>().Clone();
    }

    private static NamedOnnxValue Input<T>(string name, T[] values, params int[] shape) =>
        NamedOnnxValue.CreateFromTensor(name, new DenseTensor<T>(values, shape));

    private static T[] Output<T>(IEnumerable<DisposableNamedOnnxValue> results, string name) =>
        results.Single(r => r.Name == name).AsTensor<T>().ToArray();
}
