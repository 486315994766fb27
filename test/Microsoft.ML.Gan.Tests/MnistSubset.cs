using Microsoft.ML.Gan.IO;

namespace Microsoft.ML.Gan.Tests;

/// <summary>Small, fixed MNIST subsets for fast tests.</summary>
internal static class MnistSubset
{
    private static readonly Lazy<(IDataView Train, IDataView Test)> Data = new(() => MnistDataset.Load(new MLContext(0), TestData.DataDirectory));

    /// <summary>The first <paramref name="rows"/> training images with <paramref name="labelsPerClass"/> labels per class kept.</summary>
    public static IDataView Train(MLContext ml, int rows, int labelsPerClass, int seed = 1) =>
        ml.Data.KeepLabelsPerClass(ml.Data.TakeRows(Data.Value.Train, rows), labelsPerClass, seed);

    /// <summary>The first <paramref name="rows"/> test images, all labeled.</summary>
    public static IDataView Test(MLContext ml, int rows) => ml.Data.TakeRows(Data.Value.Test, rows);

    /// <summary>Options for a network small enough to train in a second or two.</summary>
    public static SemiSupervisedGanTrainer.Options TinyOptions(int epochs = 1, int seed = 7) => new()
    {
        MaxEpoch = epochs,
        BatchSize = 50,
        Seed = seed,
        DiscriminatorHiddenSizes = [64, 32],
        GeneratorHiddenSizes = [32],
        NoiseSize = 16,
        InitializationRows = 100,
    };

    /// <summary>Reads a float vector column of a data view into arrays.</summary>
    public static float[][] Column(IDataView data, string name) => ImageFiles.Read(data, data.Schema[name]).ToArray();
}
