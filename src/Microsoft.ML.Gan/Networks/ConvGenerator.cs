using Microsoft.ML.Gan.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// The convolutional generator of the paper's CIFAR-10/SVHN code, scaled down: z ~ U[0,1)^NoiseSize -> dense to 4w
/// maps of (H/4) x (W/4) (rounded up), batch norm, ReLU -> 5x5 transposed convolution stride 2 to 2w maps, batch norm,
/// ReLU -> 5x5 weight-normalised transposed convolution stride 2 to the image's channels, cropped to H x W when H or W
/// is not a multiple of 4 -> sigmoid, so pixels lie in [0, 1]. Batch norms are bias-only like the MNIST generator's
/// (per unit after the dense layer, per channel after the convolution). Output rows are flat, channel-major.
/// </summary>
internal sealed class ConvGenerator : GeneratorNetwork
{
    /// <summary>Kernel size, stride, padding and output padding of both transposed convolutions: each doubles the size.</summary>
    public const int Kernel = 5, Stride = 2, Padding = 2, OutputPadding = 1;

    private const double InitialWeightStd = 0.05;
    private const int FreezeChunkRows = 500;

    private readonly Linear dense;
    private readonly BiasOnlyBatchNorm dense_norm;
    private readonly Parameter deconv_weight;
    private readonly BiasOnlyBatchNorm deconv_norm;
    private readonly WeightNormConvTranspose2d output;

    public ConvGenerator(long noiseSize, ImageShape image, int width, RandomGenerator random)
        : base(nameof(ConvGenerator), noiseSize, image.Size)
    {
        Image = image;
        StartChannels = 4 * width;
        long middleChannels = 2 * width;
        StartHeight = StartSize(image.Height);
        StartWidth = StartSize(image.Width);
        long denseUnits = StartChannels * StartHeight * StartWidth;
        dense = nn.Linear(noiseSize, denseUnits, hasBias: false);
        using (no_grad())
            dense.weight!.normal_(0, InitialWeightStd, generator: random);
        dense_norm = new BiasOnlyBatchNorm("dense_norm", denseUnits);
        deconv_weight = new Parameter(HeldScalars.Normal(0, InitialWeightStd, [StartChannels, middleChannels, Kernel, Kernel], random), requires_grad: true);
        deconv_norm = new BiasOnlyBatchNorm("deconv_norm", middleChannels);
        using (var direction = HeldScalars.Normal(0, InitialWeightStd, [middleChannels, image.Channels, Kernel, Kernel], random))
            output = new WeightNormConvTranspose2d("pixels", Kernel, Stride, Padding, OutputPadding, direction);
        RegisterComponents();
    }

    /// <summary>The generated image's shape.</summary>
    private ImageShape Image { get; }

    /// <summary>Channels of the dense layer's maps: 4w.</summary>
    private long StartChannels { get; }

    /// <summary>Height and width of the dense layer's maps: ceil(side / 4).</summary>
    private long StartHeight { get; }

    /// <inheritdoc cref="StartHeight"/>
    private long StartWidth { get; }

    /// <summary>The side of the dense layer's maps for an image side of <paramref name="size"/> pixels: two doublings reach at least it.</summary>
    public static long StartSize(long size) => (size + 3) / 4;

    /// <summary>The output side of one transposed convolution: (in - 1) * 2 - 2 * 2 + 5 + 1 = 2 * in.</summary>
    public static long UpsampledSize(long size) => (size - 1) * Stride - 2 * Padding + Kernel + OutputPadding;

    public override Tensor forward(Tensor z)
    {
        using var scope = NewDisposeScope();
        var maps = Deconvolved(z);
        var x = nn.functional.relu(PerChannel(deconv_norm, maps));
        x = output.forward(x);
        if (x.shape[2] != Image.Height || x.shape[3] != Image.Width)
            x = x.narrow(2, 0, Image.Height).narrow(3, 0, Image.Width);
        return nn.functional.sigmoid(x).reshape(-1, Image.Size).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Adds the layers as evaluation mode runs them: MatMul, the frozen batch norm as Mul and Add, Relu; Reshape to
    /// [N, 4w, h0, w0]; ConvTranspose (pads 2, output_padding 1: each side doubles), the frozen per-channel batch norm,
    /// Relu; the output layer; Slice to H x W when cropped; Sigmoid; Reshape to [N, C*H*W].
    /// </summary>
    public override void AddTo(OnnxGraphBuilder graph, string input, string samples)
    {
        using var scope = NewDisposeScope();
        graph.AddInitializer("W_dense", dense.weight!.t());
        graph.AddNode("MatMul", [input, "W_dense"], ["dense_linear"]);
        string normalized = dense_norm.AddTo(graph, "dense_linear", "dense_scale", "dense_shift", "dense_scaled", "dense_normalized");
        graph.AddNode("Relu", [normalized], ["dense_out"]);
        graph.AddInitializer("maps_shape", [-1L, StartChannels, StartHeight, StartWidth], 4);
        graph.AddNode("Reshape", ["dense_out", "maps_shape"], ["maps"]);

        graph.AddInitializer("K_deconv", deconv_weight);
        graph.AddNode("ConvTranspose", ["maps", "K_deconv"], ["deconv_linear"], WeightNormConvTranspose2d.Attributes(Kernel, Stride, Padding, OutputPadding));
        normalized = deconv_norm.AddTo(graph, "deconv_linear", "deconv_scale", "deconv_shift", "deconv_scaled", "deconv_normalized", perChannel: true);
        graph.AddNode("Relu", [normalized], ["deconv_out"]);

        string pixels = output.AddTo(graph, "deconv_out", "K_pixels", "B_pixels", "pixels_full");
        if (UpsampledSize(UpsampledSize(StartHeight)) != Image.Height || UpsampledSize(UpsampledSize(StartWidth)) != Image.Width)
        {
            graph.AddInitializer("crop_starts", [0L, 0L], 2);
            graph.AddInitializer("crop_ends", [(long)Image.Height, Image.Width], 2);
            graph.AddInitializer("crop_axes", [2L, 3L], 2);
            graph.AddNode("Slice", [pixels, "crop_starts", "crop_ends", "crop_axes"], ["pixels_cropped"]);
            pixels = "pixels_cropped";
        }
        graph.AddNode("Sigmoid", [pixels], ["pixels"]);
        graph.AddInitializer("rows_shape", [-1L, Image.Size], 2);
        graph.AddNode("Reshape", ["pixels", "rows_shape"], [samples]);
    }

    /// <summary>
    /// Fixes both batch norms' statistics to those of <paramref name="count"/> samples, in chunks of 500 rows so that
    /// memory stays small: first the dense layer's, then, with those fixed, the transposed convolution's.
    /// </summary>
    public override void FreezeStatistics(long count, RandomGenerator random)
    {
        using var _ = no_grad();
        bool wasTraining = training;
        eval();
        using var z = rand([count, NoiseSize], generator: random, device: deconv_weight.device);
        FreezeFrom(dense_norm, z, dense.forward);
        FreezeFrom(deconv_norm, z, chunk => ChannelRows(Deconvolved(chunk)));
        if (wasTraining)
            train();
    }

    /// <summary>The middle transposed convolution's output (before its batch norm), [n, 2w, 2 h0, 2 w0].</summary>
    private Tensor Deconvolved(Tensor z)
    {
        using var scope = NewDisposeScope();
        var x = nn.functional.relu(dense_norm.forward(dense.forward(z)));
        x = x.view(-1, StartChannels, StartHeight, StartWidth);
        return nn.functional.conv_transpose2d(x, deconv_weight, strides: [Stride, Stride], padding: [Padding, Padding],
            output_padding: [OutputPadding, OutputPadding]).MoveToOuterDisposeScope();
    }

    /// <summary>Sets <paramref name="norm"/>'s statistics from the rows <paramref name="input"/> gives for every chunk of the noise, accumulated in double precision.</summary>
    private static void FreezeFrom(BiasOnlyBatchNorm norm, Tensor z, Func<Tensor, Tensor> input)
    {
        Tensor? sum = null, sumOfSquares = null;
        long rows = 0;
        for (long start = 0; start < z.shape[0]; start += FreezeChunkRows)
        {
            using var scope = NewDisposeScope();
            var x = input(z.narrow(0, start, Math.Min(FreezeChunkRows, z.shape[0] - start))).to(float64);
            var chunkSum = x.sum([0L]);
            var chunkSquares = x.pow(HeldScalars.Two).sum([0L]);
            if (sum is null || sumOfSquares is null)
            {
                sum = chunkSum.MoveToOuterDisposeScope();
                sumOfSquares = chunkSquares.MoveToOuterDisposeScope();
            }
            else
            {
                sum.add_(chunkSum, HeldScalars.One);
                sumOfSquares.add_(chunkSquares, HeldScalars.One);
            }
            rows += x.shape[0];
        }
        using (sum)
        using (sumOfSquares)
        {
            using var count = rows.ToScalar();
            using var mean = sum!.div(count);
            using var variance = sumOfSquares!.div(count).sub(mean.pow(HeldScalars.Two));
            using var mean32 = mean.to(float32);
            using var variance32 = variance.to(float32);
            norm.Freeze(mean32, variance32);
        }
    }

    /// <summary>Maps [n, C, h, w] as rows [n * h * w, C], so that a batch norm over rows is one per channel.</summary>
    private static Tensor ChannelRows(Tensor maps) => maps.permute(0, 2, 3, 1).reshape(-1, maps.shape[1]);

    private static Tensor PerChannel(BiasOnlyBatchNorm norm, Tensor maps)
    {
        using var scope = NewDisposeScope();
        long n = maps.shape[0], c = maps.shape[1], h = maps.shape[2], w = maps.shape[3];
        return norm.forward(ChannelRows(maps)).view(n, h, w, c).permute(0, 3, 1, 2).MoveToOuterDisposeScope();
    }
}
