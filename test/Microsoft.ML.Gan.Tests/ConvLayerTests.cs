using Microsoft.ML.Data;
using Microsoft.ML.Gan.Data;
using Microsoft.ML.Gan.Networks;
using Microsoft.ML.Gan.Onnx;
using Microsoft.ML.Gan.Trainers;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Tests;

/// <summary>The convolutional layers' arithmetic by hand, and untrained networks of odd shapes scored alike by libtorch and ONNX Runtime.</summary>
[TestClass]
public sealed class ConvLayerTests
{
    [TestMethod]
    public void WeightNormConvolutionComputesGTimesVOverNormAndDataDependentInitStandardisesEachChannel()
    {
        using var random = new Generator(1);
        using var conv = new WeightNormConv2d("c", 1, 1, kernelSize: 2, stride: 1, padding: 0, trainScale: true, 0.1, random);
        using (no_grad())
        {
            conv.Direction.copy_(tensor(new float[] { 3, 0, 0, 4 }, [1, 1, 2, 2]));
            conv.Scale.fill_(2);
            conv.Bias.fill_(0.5);
        }
        // Kernel g v / ||v|| = 2 [[3, 0], [0, 4]] / 5 = [[1.2, 0], [0, 1.6]] on [[1, 2, 3], [4, 5, 6], [7, 8, 9]]:
        // 1.2 * 1 + 1.6 * 5 + 0.5 = 9.7, 1.2 * 2 + 1.6 * 6 + 0.5 = 12.5, 1.2 * 4 + 1.6 * 8 + 0.5 = 18.1, 1.2 * 5 + 1.6 * 9 + 0.5 = 20.9.
        using var image = tensor(new float[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, [1, 1, 3, 3]);
        using (var y = conv.forward(image))
        {
            CollectionAssert.AreEqual(new long[] { 1, 1, 2, 2 }, y.shape);
            var values = y.data<float>().ToArray();
            double[] expected = [9.7, 12.5, 18.1, 20.9];
            for (int i = 0; i < 4; i++)
                Assert.AreEqual(expected[i], values[i], 1e-5, $"output {i}");
        }
        using (var folded = conv.FoldedWeight())
            CollectionAssert.AreEqual(new[] { 1.2f, 0f, 0f, 1.6f }, folded.data<float>().ToArray());

        using var wide = new WeightNormConv2d("w", 2, 3, kernelSize: 3, stride: 2, padding: 1, trainScale: false, 0.1, random);
        using var batch = randn([4, 2, 9, 9], generator: random);
        using var _ = no_grad();
        using var standardised = wide.InitializeFrom(batch);
        using var output = wide.forward(batch);
        CollectionAssert.AreEqual(new long[] { 4, 3, 5, 5 }, output.shape, "(9 + 2 - 3) / 2 + 1 = 5");
        using var mean = output.mean([0L, 2L, 3L]);
        using var std = output.std([0L, 2L, 3L], unbiased: false);
        for (int c = 0; c < 3; c++)
        {
            Assert.AreEqual(0, mean[c].item<float>(), 1e-5, $"channel {c} mean");
            Assert.AreEqual(1, std[c].item<float>(), 1e-4, $"channel {c} std");
        }
        Assert.AreEqual(0, output.sub(standardised).abs().max().item<float>(), 1e-5, "the layer now outputs what InitializeFrom returned");
    }

    [TestMethod]
    public void ShapeArithmeticGivesTheImageSizeExactlyOrCropsIt()
    {
        Assert.AreEqual(7, ConvGenerator.StartSize(28));
        Assert.AreEqual(14, ConvGenerator.UpsampledSize(7), "(7 - 1) * 2 - 2 * 2 + 5 + 1");
        Assert.AreEqual(28, ConvGenerator.UpsampledSize(14));
        Assert.AreEqual(8, ConvGenerator.StartSize(32));
        Assert.AreEqual(32, ConvGenerator.UpsampledSize(ConvGenerator.UpsampledSize(8)));
        Assert.AreEqual(8, ConvGenerator.StartSize(30), "30 is reached by cropping 32");

        using var random = new Generator(2);
        using var discriminator = new ConvDiscriminator(new ImageShape(1, 28, 28), 4, 10, 0.1, random);
        // 28 -> 28 -> 14 (stride 2) -> 14 -> 7 (stride 2) -> 5 (3x3 valid) -> 5 (1x1).
        Assert.AreEqual(5, discriminator.FeatureMapSize(28));
        Assert.AreEqual(6, discriminator.FeatureMapSize(32));
        Assert.AreEqual(1, discriminator.FeatureMapSize(OptionsValidation.MinimumImageSide));
        Assert.AreEqual(0, discriminator.FeatureMapSize(OptionsValidation.MinimumImageSide - 1), "below the minimum side the valid convolution has nothing left");
    }

    [TestMethod]
    public void AnUntrainedColourGeneratorWithACroppedOutputMatchesItsOnnxExport()
    {
        using var random = new Generator(3);
        var image = new ImageShape(3, 30, 26);
        using var generator = new ConvGenerator(12, image, 4, random);
        generator.eval();
        generator.FreezeStatistics(1200, random);
        using var z = rand([5, 12], generator: random);
        using var torchSamples = generator.forward(z);
        CollectionAssert.AreEqual(new long[] { 5, 3 * 30 * 26 }, torchSamples.shape);

        using var session = new InferenceSession(generator.ToOnnx("Features"));
        var input = new DenseTensor<float>(z.data<float>().ToArray(), [5, 12]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(GeneratorNetwork.NoiseInput, input)]);
        var onnx = results.Single().AsTensor<float>().ToArray();
        var torch = torchSamples.data<float>().ToArray();
        Assert.HasCount(torch.Length, onnx);
        for (int i = 0; i < torch.Length; i++)
            Assert.AreEqual(torch[i], onnx[i], 1e-5, $"value {i}");
    }

    [TestMethod]
    [DataRow(1)]
    [DataRow(2)]
    public void UntrainedNonSquareColourDiscriminatorsMatchTheirOnnxExport(int members)
    {
        using var random = new Generator(4);
        var image = new ImageShape(3, 12, 20);
        var discriminators = Enumerable.Range(0, members).Select(_ => new ConvDiscriminator(image, 4, 5, 0.1, random)).ToArray();
        using var rows = rand([40, image.Size], generator: random);
        foreach (var discriminator in discriminators)
        {
            discriminator.train();
            discriminator.InitializeFrom(rows);
            discriminator.eval();
        }
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var probabilities = discriminators.Select(d => d.forward(rows).softmax(1)).Aggregate((a, b) => a.add(b)).div(members);

        var keys = new DataViewSchema.Builder();
        keys.AddColumn("Label", new KeyDataViewType(typeof(uint), 5));
        using var session = new InferenceSession(DiscriminatorOnnxExport.Build(discriminators, "Features", LabelValues.FromColumn(keys.ToSchema()["Label"], 5), "Score", "PredictedLabel"));
        for (int i = 0; i < 4; i++)
        {
            var input = new DenseTensor<float>(rows[i].contiguous().data<float>().ToArray(), [1, (int)image.Size]);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor("Features", input)]);
            var onnx = results.First(r => r.Name == "Score").AsTensor<float>().ToArray();
            for (int k = 0; k < 5; k++)
                Assert.AreEqual(probabilities[i, k].item<float>(), onnx[k], 1e-5, $"row {i}, class {k}");
        }
        foreach (var discriminator in discriminators)
            discriminator.Dispose();
    }
}
