namespace TabularCsv;

/// <summary>What the example runs on; the defaults are the command line's.</summary>
internal sealed record TabularSettings
{
    /// <summary>Environment variable naming the shared data folder (the one holding tabular/).</summary>
    public const string DataDirectoryVariable = "MLGAN_DATA_DIR";

    /// <summary>Folder holding tabular/&lt;table&gt;.csv.gz: MLGAN_DATA_DIR, else ../shared/data from the working directory.</summary>
    public string DataDirectory { get; init; } = Environment.GetEnvironmentVariable(DataDirectoryVariable) is { Length: > 0 } d ? d : Path.Combine("..", "shared", "data");

    /// <summary>The table: vehicle, vowel, dna or shuttle (gzip CSV with a quoted "Class" column).</summary>
    public string Table { get; init; } = "vehicle";

    /// <summary>Training rows per class that keep their class in train.csv.</summary>
    public int LabelsPerClass { get; init; } = 10;

    /// <summary>Seed of the train/test split, of the labeled rows and of training.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Epochs of the GAN; null keeps the tabular defaults' (Options.ForTabular).</summary>
    public int? Epochs { get; init; }

    /// <summary>Folder for train.csv, test.csv and model.zip.</summary>
    public string OutputDirectory { get; init; } = "tabular-csv";
}
