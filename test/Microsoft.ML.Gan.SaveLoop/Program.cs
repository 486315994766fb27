// A child process for the crash-safety tests, saving the same file over and over until it is killed:
//   model <source model.zip> <target>            with mlContext.Model.SaveAtomically
//   checkpoint <source checkpoint> <target>      with the trainer's checkpoint writer
// Prints "saved N" after each save.
using Microsoft.ML;
using Microsoft.ML.Gan;
using Microsoft.ML.Gan.Training;

Action save;
if (args[0] == "checkpoint")
{
    var checkpoint = TrainingCheckpoint.Read(args[1], null);
    save = () => checkpoint.Write(args[2]);
}
else
{
    var ml = new MLContext(1);
    var model = ml.Model.Load(args[1], out var schema);
    save = () => ml.Model.SaveAtomically(model, schema, args[2]);
}
for (long saves = 1; ; saves++)
{
    save();
    Console.WriteLine($"saved {saves}");
}
