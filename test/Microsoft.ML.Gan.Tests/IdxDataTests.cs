using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using Microsoft.ML.Data;
using Microsoft.ML.Gan.Data;

namespace Microsoft.ML.Gan.Tests;

[TestClass]
public sealed class IdxDataTests
{
    private static readonly int[] MnistTrainClassCounts = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
    private static readonly int[] MnistTestClassCounts = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];
    private static readonly Lazy<(IDataView Train, IDataView Test)> Mnist =
        new(() => MnistDataset.Load(new MLContext(seed: 1), TestData.DataDirectory));

    private readonly MLContext _ml = new(seed: 1);
    private string _temp = "";

    [TestInitialize]
    public void CreateTempDirectory() => _temp = Directory.CreateTempSubdirectory("mlgan-idx-").FullName;

    [TestCleanup]
    public void DeleteTempDirectory() => Directory.Delete(_temp, recursive: true);

    [TestMethod]
    public void Load_MnistTrain_HasShapeFirstLabelAndKnownClassCounts()
    {
        var train = Mnist.Value.Train;

        Assert.AreEqual(60000L, train.GetRowCount());
        Assert.AreEqual(NumberDataViewType.Single, train.Schema["Label"].Type);
        var features = (VectorDataViewType)train.Schema["Features"].Type;
        Assert.AreEqual(NumberDataViewType.Single, features.ItemType);
        Assert.AreEqual(784, features.Size);
        var labels = ReadLabels(train);
        Assert.HasCount(60000, labels);
        Assert.AreEqual(5f, labels[0]);
        CollectionAssert.AreEqual(MnistTrainClassCounts, Histogram(labels));
    }

    [TestMethod]
    public void Load_MnistTest_HasKnownClassCountsAndPixelsInUnitRange()
    {
        var test = Mnist.Value.Test;

        Assert.AreEqual(10000L, test.GetRowCount());
        CollectionAssert.AreEqual(MnistTestClassCounts, Histogram(ReadLabels(test)));
        var pixels = ReadFeatures(test).SelectMany(row => row).ToArray();
        Assert.AreEqual(0f, pixels.Min());
        Assert.AreEqual(1f, pixels.Max());
    }

    [TestMethod]
    public void LoadFromIdx_WithoutLabels_LabelsAreNaN()
    {
        var view = _ml.Data.LoadFromIdx(MnistFile("t10k-images-idx3-ubyte.gz"));

        var labels = ReadLabels(view);
        Assert.HasCount(10000, labels);
        Assert.IsTrue(labels.All(float.IsNaN));
    }

    [TestMethod]
    public void LoadFromIdx_RawAndGzip_GiveIdenticalData()
    {
        var rawImages = Decompress(MnistFile("t10k-images-idx3-ubyte.gz"), "images.idx");
        var rawLabels = Decompress(MnistFile("t10k-labels-idx1-ubyte.gz"), "labels.bin.gz");

        var fromGzip = _ml.Data.LoadFromIdx(MnistFile("t10k-images-idx3-ubyte.gz"), MnistFile("t10k-labels-idx1-ubyte.gz"));
        var fromRaw = _ml.Data.LoadFromIdx(rawImages, rawLabels);

        CollectionAssert.AreEqual(ReadLabels(fromGzip), ReadLabels(fromRaw));
        var gzipRows = ReadFeatures(fromGzip);
        var rawRows = ReadFeatures(fromRaw);
        Assert.HasCount(gzipRows.Length, rawRows);
        for (var i = 0; i < gzipRows.Length; i++)
        {
            CollectionAssert.AreEqual(gzipRows[i], rawRows[i]);
        }
    }

    [TestMethod]
    public void LoadFromIdx_ScalesPixelsByOneOver255()
    {
        var images = WriteIdx("images.idx", 0x803, [1, 1, 3], [0, 51, 255]);

        var row = ReadFeatures(_ml.Data.LoadFromIdx(images)).Single();

        CollectionAssert.AreEqual(new[] { 0f, 0.2f, 1f }, row);
    }

    [TestMethod]
    public void LoadFromIdx_WrongMagic_ThrowsNamingFileAndMagics()
    {
        var labelsAsImages = MnistFile("t10k-labels-idx1-ubyte.gz");

        var ex = Assert.ThrowsExactly<InvalidDataException>(() => _ml.Data.LoadFromIdx(labelsAsImages));

        Assert.Contains(labelsAsImages, ex.Message);
        Assert.Contains("0x00000801", ex.Message);
        Assert.Contains("0x00000803", ex.Message);
    }

    [TestMethod]
    public void LoadFromIdx_TruncatedImages_ThrowsWithExpectedAndFoundSizes()
    {
        var images = WriteIdx("truncated.idx", 0x803, [2, 28, 28], new byte[1000]);

        var ex = Assert.ThrowsExactly<InvalidDataException>(() => _ml.Data.LoadFromIdx(images));

        Assert.Contains(images, ex.Message);
        Assert.Contains("expected 1568 bytes of pixels", ex.Message);
        Assert.Contains("found 1000", ex.Message);
    }

    [TestMethod]
    public void LoadFromIdx_TruncatedLabels_ThrowsWithExpectedAndFoundSizes()
    {
        var images = WriteIdx("images.idx", 0x803, [3, 2, 2], new byte[12]);
        var labels = WriteIdx("labels.idx", 0x801, [3], [1, 2]);

        var ex = Assert.ThrowsExactly<InvalidDataException>(() => _ml.Data.LoadFromIdx(images, labels));

        Assert.Contains(labels, ex.Message);
        Assert.Contains("expected 3 bytes of labels, found 2", ex.Message);
    }

    [TestMethod]
    public void LoadFromIdx_LabelCountDiffersFromImageCount_ThrowsNamingBothFiles()
    {
        var images = WriteIdx("images.idx", 0x803, [3, 2, 2], new byte[12]);
        var labels = WriteIdx("labels.idx", 0x801, [2], [1, 2]);

        var ex = Assert.ThrowsExactly<InvalidDataException>(() => _ml.Data.LoadFromIdx(images, labels));

        Assert.Contains(labels, ex.Message);
        Assert.Contains(images, ex.Message);
        Assert.Contains("2 labels", ex.Message);
    }

    [TestMethod]
    public void LoadFromIdx_CorruptGzip_ThrowsNamingFile()
    {
        var path = Path.Combine(_temp, "corrupt.gz");
        File.WriteAllBytes(path, [0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x03, 0xff, 0xff, 0xff, 0xff, 0x12, 0x34]);

        var ex = Assert.ThrowsExactly<InvalidDataException>(() => _ml.Data.LoadFromIdx(path));

        Assert.Contains(path, ex.Message);
        Assert.Contains("gzip", ex.Message);
    }

    [TestMethod]
    public void LoadFromIdx_MissingFile_ThrowsFileNotFoundNamingFile()
    {
        var path = Path.Combine(_temp, "missing.idx");

        var ex = Assert.ThrowsExactly<FileNotFoundException>(() => _ml.Data.LoadFromIdx(path));

        Assert.AreEqual(path, ex.FileName);
        Assert.Contains(path, ex.Message);
    }

    [TestMethod]
    public void Load_MissingFiles_ThrowsNamingDirectoryAndRemedies()
    {
        var ex = Assert.ThrowsExactly<FileNotFoundException>(() => MnistDataset.Load(_ml, _temp));

        Assert.Contains(Path.Combine(_temp, "mnist"), ex.Message);
        Assert.Contains("train-images-idx3-ubyte.gz", ex.Message);
        Assert.Contains(MnistDataset.DataDirectoryEnvironmentVariable, ex.Message);
        Assert.Contains("DownloadAsync", ex.Message);
    }

    [TestMethod]
    public void KeepLabelsPerClass_KeepsExactlyNPerClassAndPassesFeaturesThrough()
    {
        var train = Mnist.Value.Train;
        var original = ReadLabels(train);

        var subset = _ml.Data.KeepLabelsPerClass(train, labelsPerClass: 10, seed: 7);

        var labels = ReadLabels(subset);
        Assert.HasCount(original.Length, labels);
        Assert.AreEqual(100, labels.Count(l => !float.IsNaN(l)));
        CollectionAssert.AreEqual(Enumerable.Repeat(10, 10).ToArray(), Histogram(labels));
        for (var i = 0; i < labels.Length; i++)
        {
            Assert.IsTrue(float.IsNaN(labels[i]) || labels[i] == original[i], $"Row {i} changed its label.");
        }

        Assert.AreEqual(train.Schema["Features"].Type, subset.Schema["Features"].Type);
        CollectionAssert.AreEqual(ReadFeatures(train, rows: 3)[2], ReadFeatures(subset, rows: 3)[2]);
    }

    [TestMethod]
    public void KeepLabelsPerClass_IsDeterministicPerSeedAndDiffersBetweenSeeds()
    {
        var train = Mnist.Value.Train;

        var first = KeptRows(_ml.Data.KeepLabelsPerClass(train, 5, seed: 42));
        var again = KeptRows(_ml.Data.KeepLabelsPerClass(train, 5, seed: 42));
        var other = KeptRows(_ml.Data.KeepLabelsPerClass(train, 5, seed: 43));

        CollectionAssert.AreEqual(first, again);
        CollectionAssert.AreNotEqual(first, other);
    }

    [TestMethod]
    public void KeepLabelsPerClass_MissingLabelsStayMissingAndOtherColumnsPassThrough()
    {
        float[] labels = [0, 0, float.NaN, 1, 1, float.NaN, 1];
        var data = _ml.Data.LoadFromEnumerable(labels.Select((l, i) => new LabelledRow { Label = l, Value = i * 10 }));

        var subset = _ml.Data.KeepLabelsPerClass(data, labelsPerClass: 1, seed: 3);

        var rows = _ml.Data.CreateEnumerable<LabelledRow>(subset, reuseRowObject: false).ToArray();
        CollectionAssert.AreEqual(new float[] { 0, 10, 20, 30, 40, 50, 60 }, rows.Select(r => r.Value).ToArray());
        Assert.IsTrue(float.IsNaN(rows[2].Label) && float.IsNaN(rows[5].Label));
        Assert.AreEqual(1, rows.Count(r => r.Label == 0));
        Assert.AreEqual(1, rows.Count(r => r.Label == 1));
    }

    [TestMethod]
    public void KeepLabelsPerClass_FeedsMapValueToKeyWithMissingLabelsAsKeyZero()
    {
        var test = _ml.Data.LoadFromIdx(MnistFile("t10k-images-idx3-ubyte.gz"), MnistFile("t10k-labels-idx1-ubyte.gz"));
        var subset = _ml.Data.KeepLabelsPerClass(test, labelsPerClass: 3, seed: 5);

        var keyed = _ml.Transforms.Conversion.MapValueToKey("Label").Fit(subset).Transform(subset);

        Assert.AreEqual(10UL, ((KeyDataViewType)keyed.Schema["Label"].Type).Count);
        var keys = keyed.GetColumn<uint>("Label").ToArray();
        Assert.AreEqual(10000 - 30, keys.Count(k => k == 0));
    }

    [TestMethod]
    public void KeepLabelsPerClass_InvalidArguments_Throw()
    {
        var data = _ml.Data.LoadFromEnumerable(new float[] { 0, 0, 1 }.Select(l => new LabelledRow { Label = l }));
        var intLabels = _ml.Data.LoadFromEnumerable(new[] { new IntLabelRow { Label = 1 } });

        var notPositive = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => _ml.Data.KeepLabelsPerClass(data, 0, seed: 1));
        var tooFew = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => _ml.Data.KeepLabelsPerClass(data, 2, seed: 1));
        var wrongType = Assert.ThrowsExactly<ArgumentException>(() => _ml.Data.KeepLabelsPerClass(intLabels, 1, seed: 1));

        Assert.AreEqual("labelsPerClass", notPositive.ParamName);
        Assert.Contains("Class 1 has 1 rows", tooFew.Message);
        Assert.Contains("'Label'", wrongType.Message);
        Assert.Contains("Int32", wrongType.Message);
    }

    [TestMethod]
    public void KeepLabelsPerClassAsOfficialCode_KeepsThePaperScriptsLabels()
    {
        var train = Mnist.Value.Train;

        var subset = _ml.Data.KeepLabelsPerClassAsOfficialCode(train, labelsPerClass: 10, seed: 1);

        var kept = KeptRows(subset);

        // NumPy 2.2.4 on the same file: inds = RandomState(1).permutation(60000); [inds[y[inds] == j][:10] for j in 0..9]
        Assert.HasCount(100, kept);
        int[] firstOfEachClass = [38161, 11395, 21435, 15281, 25555, 41094, 54591, 44536, 13518, 49039];
        int[] lastOfEachClass = [44413, 42058, 38825, 23490, 49256, 6557, 16590, 31331, 14128, 14582];
        foreach (var row in firstOfEachClass.Concat(lastOfEachClass))
            Assert.Contains(row, kept);
        CollectionAssert.AreEqual(new[] { 956, 1578, 1818, 2929, 3264 }, kept.Order().Take(5).ToArray());
        CollectionAssert.AreEqual(Enumerable.Repeat(10, 10).ToArray(), Histogram(ReadLabels(subset)));
    }

    [TestMethod]
    public void NumPyRandomState_MatchesNumPysMersenneTwisterAndPermutation()
    {
        // Reference values: MT19937's init_genrand(5489) and NumPy 2.2.4's RandomState(seed).permutation(n).
        Assert.AreEqual(3499211612u, new NumPyRandomState(5489).NextUInt32());
        CollectionAssert.AreEqual(new[] { 2, 8, 4, 9, 1, 6, 7, 3, 0, 5 }, new NumPyRandomState(0).Permutation(10));
        CollectionAssert.AreEqual(new[] { 2, 9, 6, 4, 0, 3, 1, 7, 8, 5 }, new NumPyRandomState(1).Permutation(10));
        var large = new NumPyRandomState(1).Permutation(60000);
        CollectionAssert.AreEqual(new[] { 15281, 21435, 44536, 13518, 47529, 53560, 41094, 6060 }, large[..8]);
        CollectionAssert.AreEqual(new[] { 5192, 12172, 33003 }, large[^3..]);
    }

    [TestMethod]
    public void KeepLabelsPerClassAsOfficialCode_InvalidArguments_Throw()
    {
        var data = _ml.Data.LoadFromEnumerable(new float[] { 0, 0, 1 }.Select(l => new LabelledRow { Label = l }));

        var tooFew = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => _ml.Data.KeepLabelsPerClassAsOfficialCode(data, 2, seed: 1));
        var missing = Assert.ThrowsExactly<ArgumentException>(() => _ml.Data.KeepLabelsPerClassAsOfficialCode(data, 1, seed: 1, "Class"));

        Assert.Contains("Class 1 has 1 rows", tooFew.Message);
        Assert.Contains("'Class'", missing.Message);
    }

    [TestMethod]
    public async Task DownloadAsync_CorrectBytes_WritesVerifiedFilesAndSkipsThemNextTime()
    {
        var handler = new FileServingHandler(name => File.ReadAllBytes(MnistFile(name)));
        using var client = new HttpClient(handler);

        await MnistDataset.DownloadAsync(_temp, client, new Uri("http://mnist.test/files/"));
        var requests = handler.Requests;
        await MnistDataset.DownloadAsync(_temp, client, new Uri("http://mnist.test/files"));

        Assert.AreEqual(4, requests);
        Assert.AreEqual(4, handler.Requests);
        var written = Directory.GetFiles(Path.Combine(_temp, "mnist")).Select(Path.GetFileName).Order().ToArray();
        CollectionAssert.AreEqual(
            new[] { "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz" },
            written);
        CollectionAssert.AreEqual(
            File.ReadAllBytes(MnistFile("t10k-labels-idx1-ubyte.gz")),
            File.ReadAllBytes(Path.Combine(_temp, "mnist", "t10k-labels-idx1-ubyte.gz")));
    }

    [TestMethod]
    public async Task DownloadAsync_CorruptedContent_ThrowsWithHashesAndLeavesNoFile()
    {
        var content = DecompressToBytes(MnistFile("train-labels-idx1-ubyte.gz"));
        content[8] ^= 0x01;
        var corrupted = Gzip(content);
        var handler = new FileServingHandler(name =>
            name == "train-labels-idx1-ubyte.gz" ? corrupted : File.ReadAllBytes(MnistFile(name)));
        using var client = new HttpClient(handler);

        var ex = await Assert.ThrowsExactlyAsync<InvalidDataException>(
            () => MnistDataset.DownloadAsync(_temp, client, new Uri("http://mnist.test/")));

        Assert.Contains("train-labels-idx1-ubyte.gz", ex.Message);
        Assert.Contains("65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", ex.Message);
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(content)), ex.Message);
        CollectionAssert.AreEqual(
            new[] { "train-images-idx3-ubyte.gz" },
            Directory.GetFiles(Path.Combine(_temp, "mnist")).Select(Path.GetFileName).ToArray());
    }

    [TestMethod]
    public async Task DownloadAsync_TruncatedGzip_ThrowsAndLeavesNoFile()
    {
        var truncated = File.ReadAllBytes(MnistFile("t10k-labels-idx1-ubyte.gz"))[..2000];
        var handler = new FileServingHandler(_ => truncated);
        using var client = new HttpClient(handler);

        var ex = await Assert.ThrowsExactlyAsync<InvalidDataException>(
            () => MnistDataset.DownloadAsync(_temp, client, new Uri("http://mnist.test/")));

        Assert.Contains("train-images-idx3-ubyte.gz", ex.Message);
        Assert.IsEmpty(Directory.GetFiles(Path.Combine(_temp, "mnist")));
    }

    private static string MnistFile(string name) => Path.Combine(TestData.DataDirectory, "mnist", name);

    private static float[] ReadLabels(IDataView view)
    {
        var column = view.Schema["Label"];
        using var cursor = view.GetRowCursor([column]);
        var getter = cursor.GetGetter<float>(column);
        var labels = new List<float>();
        var value = 0f;
        while (cursor.MoveNext())
        {
            getter(ref value);
            labels.Add(value);
        }

        return [.. labels];
    }

    private static float[][] ReadFeatures(IDataView view, int rows = int.MaxValue)
    {
        var column = view.Schema["Features"];
        using var cursor = view.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        var result = new List<float[]>();
        var value = default(VBuffer<float>);
        while (result.Count < rows && cursor.MoveNext())
        {
            getter(ref value);
            result.Add(value.DenseValues().ToArray());
        }

        return [.. result];
    }

    private static int[] Histogram(float[] labels)
    {
        var counts = new int[10];
        foreach (var label in labels.Where(l => !float.IsNaN(l)))
        {
            counts[(int)label]++;
        }

        return counts;
    }

    private static int[] KeptRows(IDataView view)
        => ReadLabels(view).Select((label, row) => (label, row)).Where(x => !float.IsNaN(x.label)).Select(x => x.row).ToArray();

    private string WriteIdx(string name, int magic, int[] dims, byte[] payload)
    {
        var path = Path.Combine(_temp, name);
        using var file = File.Create(path);
        Span<byte> word = stackalloc byte[4];
        foreach (var value in dims.Prepend(magic))
        {
            BinaryPrimitives.WriteInt32BigEndian(word, value);
            file.Write(word);
        }

        file.Write(payload);
        return path;
    }

    private string Decompress(string gzipPath, string name)
    {
        var path = Path.Combine(_temp, name);
        File.WriteAllBytes(path, DecompressToBytes(gzipPath));
        return path;
    }

    private static byte[] DecompressToBytes(string gzipPath)
    {
        using var gzip = new GZipStream(File.OpenRead(gzipPath), CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        gzip.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static byte[] Gzip(byte[] content)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest))
        {
            gzip.Write(content);
        }

        return buffer.ToArray();
    }

    private sealed class LabelledRow
    {
        public float Label { get; set; }

        public float Value { get; set; }
    }

    private sealed class IntLabelRow
    {
        public int Label { get; set; }
    }

    private sealed class FileServingHandler(Func<string, byte[]> serve) : HttpMessageHandler
    {
        public int Requests { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests++;
            var name = Path.GetFileName(request.RequestUri!.AbsolutePath);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(serve(name)) });
        }
    }
}
