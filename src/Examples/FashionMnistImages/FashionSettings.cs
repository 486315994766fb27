using Microsoft.ML.Gan;

namespace FashionMnistImages;

/// <summary>What the example runs on and how long it trains.</summary>
internal sealed record FashionSettings
{
    /// <summary>Where the Debian package dataset-fashion-mnist puts the IDX .gz files.</summary>
    public const string PackageDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>Folder of the Fashion-MNIST IDX files (train-images-idx3-ubyte.gz, ...). Default <see cref="PackageDirectory"/>.</summary>
    public string DataDirectory { get; init; } = PackageDirectory;

    /// <summary>Folder for the PNG files (train/, test/), the two CSV files and model.zip. Default "fashion-png".</summary>
    public string OutputDirectory { get; init; } = "fashion-png";

    /// <summary>Training epochs. Default 5.</summary>
    public int Epochs { get; init; } = 5;

    /// <summary>Training images that keep their label, spread evenly over the 10 classes; the rest are unlabeled. Default 100.</summary>
    public int Labels { get; init; } = 100;

    /// <summary>Training images used (the first ones of the 60,000). Default 10,000.</summary>
    public int TrainRows { get; init; } = 10_000;

    /// <summary>Test images evaluated (the first ones of the 10,000). Default 10,000.</summary>
    public int TestRows { get; init; } = 10_000;

    /// <summary>Seed of the labeled subset and of training. Default 1.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>The GAN's networks: dense layers (the paper's MNIST networks) or convolutions. Default Mlp.</summary>
    public GanArchitecture Architecture { get; init; } = GanArchitecture.Mlp;
}
