using System.Globalization;
using System.Text.RegularExpressions;

namespace Microsoft.ML.Gan.Tests;

/// <summary>
/// Training never reads memory that nothing wrote. A child process runs with an allocator that fills libtorch's new
/// blocks with NaN (Native/nan_filled_alloc.c, preloaded), so a kernel that reads uninitialised memory turns the losses
/// to NaN on every run instead of now and then. That happened with convolution widths that are not multiples of 16:
/// oneDNN read its channel blocks' padding (docs/design.md, convolutional networks).
/// </summary>
[TestClass]
public sealed class UninitialisedMemoryTests
{
    private static readonly Dictionary<string, string?> NanFilledMemory = new()
    {
        ["LD_PRELOAD"] = Path.Combine(AppContext.BaseDirectory, "libnan_filled_alloc.so"),
    };

    [TestMethod]
    public void TheAllocatorFillsNewTensorsWithNan()
    {
        var (code, output, error) = ChildProcess.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "Microsoft.ML.Gan.NativeProbe.dll")],
            TimeSpan.FromMinutes(2), NanFilledMemory);
        Assert.AreEqual(0, code, error);
        StringAssert.Contains(output, "fresh-memory nan", "without the preloaded allocator the training runs below prove nothing");
    }

    [TestMethod]
    [DataRow("conv", "16")]
    [DataRow("conv", "32")]
    [DataRow("mlp", "16")]
    public void TrainingStaysFiniteWhenNewMemoryIsNan(string architecture, string convWidth)
    {
        string directory = Directory.CreateTempSubdirectory("mlgan-nan-memory-").FullName;
        string images = Path.Combine(TestData.DataDirectory, "mnist", "t10k-images-idx3-ubyte.gz");
        string labels = Path.Combine(TestData.DataDirectory, "mnist", "t10k-labels-idx1-ubyte.gz");
        var (code, output, error) = ChildProcess.Run("dotnet",
            [Path.Combine(AppContext.BaseDirectory, "mlgan.dll"), "train", "--images", images, "--labels", labels, "--rows", "500",
             "--labels-per-class", "10", "--architecture", architecture, "--conv-width", convWidth, "--epochs", "2", "--batch-size", "50",
             "--threads", "1", "--model", Path.Combine(directory, "model.zip"), "--plain"],
            TimeSpan.FromMinutes(3), NanFilledMemory);
        Directory.Delete(directory, recursive: true);
        Assert.AreEqual(0, code, error);
        var losses = Regex.Matches(output, @"epoch \d+/2: D loss ([^,]+), G loss ([^,]+),");
        Assert.HasCount(2, losses, output);
        foreach (Match epoch in losses)
        {
            Assert.IsTrue(double.TryParse(epoch.Groups[1].Value, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d), output);
            Assert.IsTrue(double.TryParse(epoch.Groups[2].Value, CultureInfo.InvariantCulture, out double g) && double.IsFinite(g), output);
        }
    }
}
