// A table with a few labeled rows through an ordinary ML.NET pipeline: splits one of the shared UCI tables (gzip CSV)
// into train.csv, where only a few rows per class keep their class (the others have an empty one), and test.csv; loads
// them with LoadFromTextFile and fits Concatenate -> MapValueToKey -> Gan.SemiSupervised -> MapKeyToValue with the
// tabular defaults (Options.ForTabular); compares the test error with LightGbm fit on the labeled rows only; saves
// model.zip and checks that the model reloaded in a fresh MLContext predicts the same.
//
//   dotnet run -c Release --project src/Examples/TabularCsv -- [--data ../shared/data] [--table vehicle]
//       [--labels-per-class 10] [--seed 1] [--epochs N] [--output tabular-csv]
using System.CommandLine;
using TabularCsv;

var defaults = new TabularSettings();
var data = new Option<string>("--data") { Description = $"Folder holding tabular/<table>.csv.gz (default: {TabularSettings.DataDirectoryVariable}, else ../shared/data).", DefaultValueFactory = _ => defaults.DataDirectory };
var table = new Option<string>("--table") { Description = "Table: vehicle, vowel, dna or shuttle.", DefaultValueFactory = _ => defaults.Table };
var labels = new Option<int>("--labels-per-class") { Description = "Training rows per class that keep their class.", DefaultValueFactory = _ => defaults.LabelsPerClass };
var seed = new Option<int>("--seed") { Description = "Seed of the split, the labeled rows and training.", DefaultValueFactory = _ => defaults.Seed };
var epochs = new Option<int?>("--epochs") { Description = "GAN epochs (default: the tabular defaults' rule, at least 500 steps)." };
var output = new Option<string>("--output") { Description = "Folder for train.csv, test.csv and model.zip.", DefaultValueFactory = _ => defaults.OutputDirectory };
var root = new RootCommand("Semi-supervised GAN on a CSV table with a few labels, against LightGbm on the same labels.") { data, table, labels, seed, epochs, output };
root.SetAction(parsed =>
{
    var settings = new TabularSettings
    {
        DataDirectory = parsed.GetValue(data)!,
        Table = parsed.GetValue(table)!,
        LabelsPerClass = parsed.GetValue(labels),
        Seed = parsed.GetValue(seed),
        Epochs = parsed.GetValue(epochs),
        OutputDirectory = parsed.GetValue(output)!,
    };
    TabularExample.Run(settings, Console.Out);
    return 0;
});
return root.Parse(args).Invoke();
