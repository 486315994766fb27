using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Data;

/// <summary>Unlabeled rows of another source, standardised (streamed training with <see cref="FeatureScaling.Standardize"/>).</summary>
internal sealed class StandardizedRows(UnlabeledRows source, FeatureStandardization standardization) : UnlabeledRows
{
    public override void BeginEpoch() => source.BeginEpoch();

    public override Tensor Next(int count)
    {
        var rows = source.Next(count);
        standardization.ApplyInPlace(rows);
        return rows;
    }

    public override void Dispose() => source.Dispose();
}
