using System.Globalization;
using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Tests;

/// <summary>
/// A guard for changes meant to leave training alone (moves, refactors, bit-identical speed work): a small fixed run,
/// one torch thread, must score 100 test images as the committed snapshot does, within <see cref="Tolerance"/> (room
/// for another CPU's rounding, far below what a change of the algorithm moves). A change meant to alter training
/// regenerates the snapshot with <c>MLGAN_UPDATE_SNAPSHOT=1</c> and this test's filter, and says why in its commit.
/// </summary>
[TestClass]
public sealed class TrainedScoresSnapshotTests
{
    private const double Tolerance = 1e-4;
    private const int TestRows = 100;
    private static readonly string SnapshotPath = Path.Combine(TestData.RepositoryRoot(), "test", "Microsoft.ML.Gan.Tests", "Snapshots", "tiny-run-scores.csv");

    [TestMethod]
    public void ASmallRunScoresAsTheCommittedSnapshot()
    {
        var ml = new MLContext(1);
        var train = MnistSubset.Train(ml, 1000, labelsPerClass: 10);
        var test = MnistSubset.Test(ml, TestRows);
        var options = MnistSubset.TinyOptions(epochs: 2);
        options.NumberOfThreads = 1;
        // float32 on every CPU: Auto would train in bfloat16 where the CPU has its instructions.
        options.MatrixMultiplyPrecision = MatrixMultiplyPrecision.Single;
        var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Gan.SemiSupervised(options)).Fit(train);
        var fitted = Scores(model.Transform(test));
        string zip = Path.Combine(Path.GetTempPath(), $"snapshot-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, train.Schema, zip);
            var loaded = Scores(new MLContext().Model.Load(zip, out _).Transform(test));
            Assert.AreEqual(0, MaxDifference(fitted, loaded), 1e-6, "the loaded model.zip scores as the fitted model");
        }
        finally
        {
            File.Delete(zip);
        }

        if (Environment.GetEnvironmentVariable("MLGAN_UPDATE_SNAPSHOT") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(SnapshotPath)!);
            File.WriteAllLines(SnapshotPath, fitted.Select(row => string.Join(",", row.Select(p => p.ToString("R", CultureInfo.InvariantCulture)))));
            Assert.Inconclusive($"Wrote {SnapshotPath}; commit it with the change that moved training.");
        }
        var snapshot = File.ReadAllLines(SnapshotPath).Select(line => line.Split(',').Select(p => float.Parse(p, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        Assert.AreEqual(TestRows, snapshot.Length, $"{SnapshotPath} holds one row per test image");
        double difference = MaxDifference(fitted, snapshot);
        Assert.IsTrue(difference <= Tolerance,
            $"The small run's class probabilities differ from {SnapshotPath} by up to {difference:G3} (tolerance {Tolerance}): training changed. "
            + "If that is intended, regenerate the snapshot (MLGAN_UPDATE_SNAPSHOT=1) and judge the change by the seed protocol.");
    }

    [TestMethod]
    public void TheSnapshotComparisonSeesAChangedScore()
    {
        float[][] scores = [[0.25f, 0.75f], [0.5f, 0.5f]];
        float[][] moved = [[0.25f, 0.75f], [0.5f, 0.5f + 2e-4f]];
        Assert.AreEqual(0, MaxDifference(scores, scores));
        Assert.IsTrue(MaxDifference(scores, moved) > Tolerance);
    }

    private static float[][] Scores(IDataView scored)
    {
        var column = scored.Schema["Score"];
        using var cursor = scored.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        VBuffer<float> value = default;
        var rows = new List<float[]>();
        while (cursor.MoveNext())
        {
            getter(ref value);
            rows.Add(value.DenseValues().ToArray());
        }
        return [.. rows];
    }

    private static double MaxDifference(float[][] a, float[][] b)
    {
        Assert.AreEqual(a.Length, b.Length, "row count");
        return a.Zip(b).Max(pair =>
        {
            Assert.AreEqual(pair.First.Length, pair.Second.Length, "classes per row");
            return pair.First.Zip(pair.Second).Max(p => Math.Abs((double)p.First - p.Second));
        });
    }
}
