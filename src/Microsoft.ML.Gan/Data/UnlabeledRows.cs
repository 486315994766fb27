using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Data;

/// <summary>
/// A source of unlabeled minibatches for one pass over the data: every row of the training data, in a fresh random
/// order each epoch. Training draws two independent streams, one for the discriminator and one for feature matching.
/// </summary>
internal abstract class UnlabeledRows : IDisposable
{
    /// <summary>Starts a new pass in a new random order.</summary>
    public abstract void BeginEpoch();

    /// <summary>The next <paramref name="count"/> rows of the pass, shape [count, features].</summary>
    public abstract Tensor Next(int count);

    public virtual void Dispose()
    {
    }
}
