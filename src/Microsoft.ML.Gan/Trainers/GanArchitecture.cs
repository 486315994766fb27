namespace Microsoft.ML.Gan;

/// <summary>The layers of the discriminator and the generator.</summary>
public enum GanArchitecture
{
    /// <summary>Dense layers on the flat feature vector (the paper's permutation-invariant MNIST networks).</summary>
    Mlp,

    /// <summary>
    /// Convolutional networks on images (the paper's CIFAR-10/SVHN networks, scaled down): the feature vector is read as
    /// an image of <c>ImageChannels</c> x <c>ImageHeight</c> x <c>ImageWidth</c> in channel-major order, as ExtractPixels writes it.
    /// </summary>
    Convolutional,
}
