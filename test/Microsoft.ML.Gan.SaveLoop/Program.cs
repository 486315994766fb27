// A child process for the crash-safety tests: loads <source model.zip> and saves it to <target> over and over with
// mlContext.Model.SaveAtomically, printing "saved N" after each save, until it is killed.
using Microsoft.ML;
using Microsoft.ML.Gan;

var ml = new MLContext(1);
var model = ml.Model.Load(args[0], out var schema);
for (long saves = 1; ; saves++)
{
    ml.Model.SaveAtomically(model, schema, args[1]);
    Console.WriteLine($"saved {saves}");
}
