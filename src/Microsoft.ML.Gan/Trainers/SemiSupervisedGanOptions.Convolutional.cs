namespace Microsoft.ML.Gan;

public sealed partial class SemiSupervisedGanTrainer
{
    // Convolutional networks: the choice of architecture (dense layers or convolutions), and the convolutional
    // architecture's image shape and width. The dense layers' widths are with the paper's core.
    public sealed partial class Options
    {
        /// <summary>
        /// The networks: dense layers (<see cref="GanArchitecture.Mlp"/>, using <see cref="DiscriminatorHiddenSizes"/> and
        /// <see cref="GeneratorHiddenSizes"/>) or convolutions on images (<see cref="GanArchitecture.Convolutional"/>,
        /// using <see cref="ConvolutionalWidth"/> and the image shape; dropout instead of Gaussian noise). Default Mlp.
        /// </summary>
        public GanArchitecture Architecture = GanArchitecture.Mlp;

        /// <summary>
        /// Convolutional architecture: channels per pixel (1 grayscale, 3 colour). The features must hold the image in
        /// ExtractPixels' default channel-major (planar) order: all values of the first channel (red) row by row, then
        /// all of the second (green), then the third (blue). Default null: with all three image options null, the shape
        /// comes from the feature column's dimensions when it has three ([channels, height, width], as ExtractPixels
        /// declares them); otherwise 1.
        /// </summary>
        public int? ImageChannels;

        /// <summary>
        /// Convolutional architecture: image height in pixels, at least 9. Default null: with <see cref="ImageWidth"/>
        /// also null, the column's dimensions (see <see cref="ImageChannels"/>) or else a square image whose side is the
        /// square root of features / channels.
        /// </summary>
        public int? ImageHeight;

        /// <summary>Convolutional architecture: image width in pixels, at least 9. Default null (see <see cref="ImageHeight"/>).</summary>
        public int? ImageWidth;

        /// <summary>
        /// Convolutional architecture: the channel multiplier w. The discriminator's convolutions have w and 2w channels,
        /// the generator's maps 4w and 2w (the paper's CIFAR-10 discriminator has 96 and 192 channels: w = 96). A positive
        /// multiple of 16 (oneDNN reads uninitialised channel padding otherwise; docs/design.md). Default 16.
        /// </summary>
        public int ConvolutionalWidth = 16;
    }
}
