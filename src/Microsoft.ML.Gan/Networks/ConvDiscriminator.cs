using Microsoft.ML.Gan.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// The convolutional discriminator of the paper's CIFAR-10/SVHN code, scaled down to two 3x3 convolutions per block:
/// dropout 0.2 on the input; [3x3 conv w, 3x3 conv w stride 2], dropout 0.5; [3x3 conv 2w, 3x3 conv 2w stride 2],
/// dropout 0.5; 3x3 valid conv 2w; 1x1 conv 2w; leaky ReLU 0.2 after every convolution; global mean pooling; a dense
/// layer to K logits. Every layer is weight-normalised (hidden scales frozen, the output's trained) with data-dependent
/// initialisation. The pooled 2w features are the features of feature matching.
/// </summary>
internal sealed class ConvDiscriminator : DiscriminatorNetwork
{
    /// <summary>Negative slope of the leaky ReLUs.</summary>
    private const double LeakySlope = 0.2;

    private const double InputDropout = 0.2;
    private const double BlockDropout = 0.5;

    /// <summary><see cref="LeakySlope"/> held for the native leaky ReLU (<see cref="HeldScalars"/>).</summary>
    private static readonly Scalar Slope = LeakySlope.ToScalar();

    private readonly SeededDropout input_dropout;
    private readonly ModuleList<WeightNormConv2d> convolutions;
    private readonly ModuleList<SeededDropout> block_dropouts;
    private readonly WeightNormDense output;

    public ConvDiscriminator(ImageShape image, int width, long classes, double initialWeightStd, RandomGenerator random)
        : base(nameof(ConvDiscriminator), image.Size, classes)
    {
        Image = image;
        input_dropout = new SeededDropout("input_dropout", InputDropout, random);
        int wide = 2 * width;
        WeightNormConv2d Conv(string name, long inputs, long outputs, int kernel, int stride, int padding) =>
            new(name, inputs, outputs, kernel, stride, padding, trainScale: false, initialWeightStd, random);
        convolutions = new ModuleList<WeightNormConv2d>(
            Conv("conv0", image.Channels, width, 3, 1, 1),
            Conv("conv1", width, width, 3, 2, 1),
            Conv("conv2", width, wide, 3, 1, 1),
            Conv("conv3", wide, wide, 3, 2, 1),
            Conv("conv4", wide, wide, 3, 1, 0),
            Conv("conv5", wide, wide, 1, 1, 0));
        block_dropouts = new ModuleList<SeededDropout>(
            new SeededDropout("dropout1", BlockDropout, random),
            new SeededDropout("dropout3", BlockDropout, random));
        using (var direction = HeldScalars.Normal(0, initialWeightStd, [classes, wide], random))
            output = new WeightNormDense("logits", wide, classes, trainScale: true, direction);
        RegisterComponents();
    }

    /// <summary>The input image's shape.</summary>
    private ImageShape Image { get; }

    /// <summary>The dense output layer on the pooled features.</summary>
    public override WeightNormDense OutputLayer => output;

    /// <summary>The height or width of the last feature map for an image side of <paramref name="size"/> pixels.</summary>
    public long FeatureMapSize(long size) => convolutions.Aggregate(size, (s, c) => c.OutputSize(s));

    public override Tensor Logits(Tensor input, IReadOnlyList<long>? parts)
    {
        using var features = Features(input);
        return output.forward(features);
    }

    /// <summary>The globally mean-pooled output of the last convolution, [n, 2w] (dropout included in training mode).</summary>
    public override Tensor Features(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input_dropout.forward(AsImages(input));
        for (int i = 0; i < convolutions.Count; i++)
            x = BlockEnd(i, convolutions[i].forward(x).leaky_relu(Slope));
        return x.mean([2L, 3L]).MoveToOuterDisposeScope();
    }

    /// <summary>Data-dependent initialisation over one batch, layer by layer, in training mode (dropout on).</summary>
    public override void InitializeFrom(Tensor batch)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = input_dropout.forward(AsImages(batch));
        for (int i = 0; i < convolutions.Count; i++)
            x = BlockEnd(i, convolutions[i].InitializeFrom(x).leaky_relu(Slope));
        output.InitializeFrom(x.mean([2L, 3L]));
    }

    /// <summary>
    /// Adds the layers as evaluation mode runs them (dropout is the identity and has no node): the rows reshaped to
    /// [N, C, H, W]; each convolution and its leaky ReLU; GlobalAveragePool and Flatten to [N, 2w]; the output layer.
    /// </summary>
    public override string AddTo(OnnxGraphBuilder graph, string input, string prefix)
    {
        graph.AddInitializer($"{prefix}image_shape", [-1L, Image.Channels, Image.Height, Image.Width], 4);
        graph.AddNode("Reshape", [input, $"{prefix}image_shape"], [$"{prefix}image"]);
        string x = $"{prefix}image";
        for (int i = 0; i < convolutions.Count; i++)
        {
            string convolved = convolutions[i].AddTo(graph, x, $"{prefix}K{i}", $"{prefix}KB{i}", $"{prefix}conv{i}");
            x = $"{prefix}lrelu{i}";
            graph.AddNode("LeakyRelu", [convolved], [x], OnnxAttribute.Float("alpha", (float)LeakySlope));
        }
        graph.AddNode("GlobalAveragePool", [x], [$"{prefix}pooled_maps"]);
        graph.AddNode("Flatten", [$"{prefix}pooled_maps"], [$"{prefix}pooled"], OnnxAttribute.Int("axis", 1));
        return output.AddTo(graph, $"{prefix}pooled", $"{prefix}W_out", $"{prefix}B_out", $"{prefix}logits_linear", $"{prefix}logits");
    }

    private Tensor AsImages(Tensor rows) => rows.view(-1, Image.Channels, Image.Height, Image.Width);

    /// <summary>Dropout after the stride-2 convolution that ends each block (convolutions 1 and 3).</summary>
    private Tensor BlockEnd(int convolution, Tensor x) => convolution switch
    {
        1 => block_dropouts[0].forward(x),
        3 => block_dropouts[1].forward(x),
        _ => x,
    };
}
