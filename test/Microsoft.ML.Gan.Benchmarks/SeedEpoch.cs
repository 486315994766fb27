using System.Globalization;
using Microsoft.ML.Gan.IO;

namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>
/// One epoch of a seed-protocol run: the averaged model's test error (%), the epoch's training seconds, the losses
/// (the generator's is the feature-matching loss under the default objective), the labeled-batch accuracy (%), the run's
/// wall seconds so far (from the start of Fit in each sitting, summed over sittings: the data's conversion, set-up or
/// checkpoint loading, training, validation and checkpoints; not the process start, the label selection or the time
/// between sittings), when the epoch ended (UTC) and how many of the machine's cores other processes kept busy on average
/// while it ran (from /proc/stat; null where not measured: off Linux, and in results of older builds).
/// </summary>
internal sealed record SeedEpoch(int Epoch, double TestError, double EpochSeconds, double DiscriminatorLoss, double GeneratorLoss,
    double LabeledAccuracy, double WallSeconds, DateTime EndedUtc, double? OtherBusyCores)
{
    /// <summary>The header line of a run's results.csv.</summary>
    public const string CsvHeader = "epoch,test_error_percent,epoch_seconds,discriminator_loss,generator_loss,labeled_accuracy_percent,wall_seconds,ended_utc,other_busy_cores";

    /// <summary>This epoch as a line of results.csv (invariant culture, round-trip precision).</summary>
    public string ToCsv() => string.Join(",", Epoch.ToString(CultureInfo.InvariantCulture), R(TestError), R(EpochSeconds), R(DiscriminatorLoss),
        R(GeneratorLoss), R(LabeledAccuracy), R(WallSeconds), EndedUtc.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        OtherBusyCores is double cores ? R(cores) : "");

    /// <summary>
    /// Reads the results.csv of a run (no file: no epochs; files of older builds have no other_busy_cores column); a
    /// malformed line throws, naming the file and line.
    /// </summary>
    public static List<SeedEpoch> ReadCsv(string path)
    {
        var epochs = new List<SeedEpoch>();
        if (!File.Exists(path))
            return epochs;
        var lines = File.ReadAllLines(path);
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
                continue;
            var cells = lines[i].Split(',');
            try
            {
                epochs.Add(new SeedEpoch(int.Parse(cells[0], CultureInfo.InvariantCulture), P(cells[1]), P(cells[2]), P(cells[3]), P(cells[4]), P(cells[5]), P(cells[6]),
                    DateTime.ParseExact(cells[7], "yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
                    cells.Length > 8 && cells[8].Length > 0 ? P(cells[8]) : null));
            }
            catch (Exception e) when (e is FormatException or IndexOutOfRangeException)
            {
                throw new InvalidDataException($"{path}, line {i + 1}: '{lines[i]}' is not a results line ({CsvHeader}).", e);
            }
            if (epochs[^1].Epoch != epochs.Count)
                throw new InvalidDataException($"{path}, line {i + 1}: epoch {epochs[^1].Epoch} where epoch {epochs.Count} was expected.");
        }
        return epochs;
    }

    /// <summary>Writes the results.csv of a run, replacing it atomically.</summary>
    public static void WriteCsv(string path, IEnumerable<SeedEpoch> epochs) =>
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, leaveOpen: true);
            writer.WriteLine(CsvHeader);
            foreach (var epoch in epochs)
                writer.WriteLine(epoch.ToCsv());
        });

    private static string R(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static double P(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
}
