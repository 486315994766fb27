using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// A batch the generator made with autograd on, for a discriminator step (which takes it detached) and the generator's
/// step after it (<see cref="SemiSupervisedGanTrainer.Options.SharedGeneratedBatch"/>): the rows, and for a conditional
/// generator the classes (int64) they were drawn for; null otherwise.
/// </summary>
internal readonly record struct GeneratedBatch(Tensor Rows, Tensor? Classes);
