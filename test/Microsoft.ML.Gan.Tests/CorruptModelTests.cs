using System.IO.Compression;
using Microsoft.ML.Gan.Benchmarks;

namespace Microsoft.ML.Gan.Tests;

/// <summary>
/// A damaged model.zip gives the managed exception docs/bad-inputs.md names, at load or first use, never a crash of the
/// process: FormatException when the file is no readable zip, InvalidOperationException when ML.NET cannot build the
/// transformers from it.
/// </summary>
[TestClass]
public sealed class CorruptModelTests
{
    private static string s_modelPath = null!;
    private static byte[] s_onnx = [];
    private static IDataView s_test = null!;

    [ClassInitialize]
    public static void SaveTinyModel(TestContext _)
    {
        var ml = new MLContext(1);
        var train = MnistSubset.Train(ml, 500, labelsPerClass: 5);
        s_test = MnistSubset.Test(ml, 20);
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Gan.SemiSupervised(MnistSubset.TinyOptions()))
            .Fit(train);
        s_modelPath = Path.Combine(Path.GetTempPath(), $"gan-{Guid.NewGuid():N}.zip");
        ml.Model.Save(model, train.Schema, s_modelPath);
        using var onnx = new MemoryStream();
        ((IEnumerable<ITransformer>)model).OfType<SemiSupervisedGanTransformer>().Single().SaveOnnx(onnx);
        s_onnx = onnx.ToArray();
    }

    [ClassCleanup]
    public static void DeleteModel() => File.Delete(s_modelPath);

    [TestMethod]
    [DataRow(0.5)]
    [DataRow(0.01)]
    public void ATruncatedZipIsRejected(double keptFraction)
    {
        byte[] bytes = File.ReadAllBytes(s_modelPath);
        var e = AssertRejected<FormatException>(bytes.AsSpan(0, (int)(bytes.Length * keptFraction)).ToArray());
        Assert.IsInstanceOfType<InvalidDataException>(e.InnerException, "the zip reader's own error");
    }

    [TestMethod]
    [DataRow(0.5)]
    [DataRow(0.0001)]
    public void ATruncatedOnnxGraphInsideTheZipIsRejected(double keptFraction) =>
        AssertRejected<InvalidOperationException>(RewriteOnnxEntry(onnx => onnx.AsSpan(0, (int)(onnx.Length * keptFraction)).ToArray()));

    [TestMethod]
    public void RandomBytesInPlaceOfTheOnnxGraphAreRejected() =>
        AssertRejected<InvalidOperationException>(RewriteOnnxEntry(onnx =>
        {
            var random = new Random(3);
            var garbage = new byte[4096];
            random.NextBytes(garbage);
            return garbage;
        }));

    [TestMethod]
    public void AFileThatIsNotAZipIsRejected() => AssertRejected<FormatException>("this is not a model"u8.ToArray());

    /// <summary>The CI-sized fuzz run; `dotnet run --project test/Microsoft.ML.Gan.Benchmarks -- fuzz 1000` runs the full count.</summary>
    [TestMethod]
    [DataRow("zip")]
    [DataRow("onnx")]
    public void RandomlyDamagedFilesLoadOrThrowAManagedExceptionInBoundedTime(string kind)
    {
        var ml = new MLContext(1);
        byte[] original = kind == "zip" ? File.ReadAllBytes(s_modelPath) : s_onnx;
        int exceptions = 0;
        var unexpected = new List<string>();
        for (int i = 0; i < 60; i++)
        {
            byte[] damaged = FileDamage.Apply(original, new Random(i));
            var attempt = Task.Run(() =>
            {
                try
                {
                    ITransformer model = kind == "zip"
                        ? ml.Model.Load(new MemoryStream(damaged), out _)
                        : ml.Transforms.ApplyOnnxModel(["Score"], ["Features"], new MemoryStream(damaged), null, false).Fit(s_test);
                    MnistSubset.Column(model.Transform(s_test), "Score");
                    return false;
                }
                catch (Exception e)
                {
                    if (!DocumentedTypes.Contains(e.GetType()))
                        lock (unexpected)
                            unexpected.Add($"case {i}: {e.GetType().Name}: {e.Message}");
                    return true;
                }
            });
            Assert.IsTrue(attempt.Wait(TimeSpan.FromSeconds(20)), $"case {i} of {kind} did not finish in 20 s");
            exceptions += attempt.Result ? 1 : 0;
        }
        Assert.IsGreaterThan(20, exceptions, "damage to the structure must be detected (flips inside weights may load)");
        Assert.IsEmpty(unexpected, string.Join("\n", unexpected));
    }

    /// <summary>
    /// The exceptions docs/bad-inputs.md lists for damaged files: ML.NET's loader throws the first two, and passes a
    /// reader's InvalidDataException or a TargetInvocationException from a component's constructor through in a few cases.
    /// </summary>
    private static readonly Type[] DocumentedTypes =
        [typeof(FormatException), typeof(InvalidOperationException), typeof(InvalidDataException), typeof(System.Reflection.TargetInvocationException)];

    [TestMethod]
    public void AZipFromAnotherLibraryIsRejected()
    {
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = new StreamWriter(archive.CreateEntry("model.json").Open());
            entry.Write("{\"format\": \"another library\"}");
        }
        StringAssert.Contains(AssertRejected<InvalidOperationException>(zip.ToArray()).Message, "legacy format");
    }

    private static byte[] RewriteOnnxEntry(Func<byte[], byte[]> damage)
    {
        using var copy = new MemoryStream();
        using (var source = File.OpenRead(s_modelPath))
            source.CopyTo(copy);
        using (var zip = new ZipArchive(copy, ZipArchiveMode.Update, leaveOpen: true))
        {
            var entry = zip.Entries.Single(e => e.FullName.EndsWith("/OnnxModel"));
            byte[] onnx;
            using (var stream = entry.Open())
            using (var buffer = new MemoryStream())
            {
                stream.CopyTo(buffer);
                onnx = buffer.ToArray();
            }
            string name = entry.FullName;
            entry.Delete();
            using var replacement = zip.CreateEntry(name).Open();
            replacement.Write(damage(onnx));
        }
        return copy.ToArray();
    }

    /// <summary>Loads <paramref name="modelBytes"/> and scores with it; asserts that exactly <typeparamref name="T"/> is thrown.</summary>
    private static T AssertRejected<T>(byte[] modelBytes) where T : Exception
    {
        var ml = new MLContext(1);
        var failure = Assert.ThrowsExactly<T>(() =>
        {
            using var stream = new MemoryStream(modelBytes);
            var model = ml.Model.Load(stream, out _);
            MnistSubset.Column(model.Transform(s_test), "Score");
        });
        Assert.IsFalse(string.IsNullOrWhiteSpace(failure.Message));
        return failure;
    }
}
