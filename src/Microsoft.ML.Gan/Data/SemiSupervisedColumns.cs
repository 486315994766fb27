using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Data;

/// <summary>
/// The feature and label columns of a semi-supervised data view, checked: features a known-size vector of Single,
/// label a key type whose raw type is UInt32 (what MapValueToKey produces).
/// </summary>
internal sealed class SemiSupervisedColumns
{
    private SemiSupervisedColumns(DataViewSchema.Column features, DataViewSchema.Column label, int featureCount, int classCount)
    {
        Features = features;
        Label = label;
        FeatureCount = featureCount;
        ClassCount = classCount;
    }

    public DataViewSchema.Column Features { get; }

    public DataViewSchema.Column Label { get; }

    /// <summary>Length of the feature vector.</summary>
    public int FeatureCount { get; }

    /// <summary>K, the number of classes: the label key type's count.</summary>
    public int ClassCount { get; }

    public static SemiSupervisedColumns Find(DataViewSchema schema, string featureColumnName, string labelColumnName)
    {
        var features = schema.GetColumnOrNull(featureColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(featureColumnName),
                $"Feature column '{featureColumnName}' not found; the data has columns: {string.Join(", ", schema.Select(c => c.Name))}.");
        if (features.Type is not VectorDataViewType { ItemType: NumberDataViewType n, IsKnownSize: true } vector || n != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(featureColumnName),
                $"Feature column '{featureColumnName}' has type {features.Type}; expected a vector of Single of known size (e.g. Vector<Single, 784>). Use Concatenate or ConvertType to make one.");

        var label = schema.GetColumnOrNull(labelColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(labelColumnName),
                $"Label column '{labelColumnName}' not found; the data has columns: {string.Join(", ", schema.Select(c => c.Name))}.");
        if (label.Type is not KeyDataViewType key)
            throw new ArgumentOutOfRangeException(nameof(labelColumnName),
                $"Label column '{labelColumnName}' has type {label.Type}; expected a key type. Add mlContext.Transforms.Conversion.MapValueToKey(\"{labelColumnName}\") before the trainer; missing labels (NaN or empty) become key 0, i.e. unlabeled rows.");
        if (key.RawType != typeof(uint))
            throw new ArgumentOutOfRangeException(nameof(labelColumnName),
                $"Label column '{labelColumnName}' is a key of raw type {key.RawType.Name}; expected UInt32 keys as MapValueToKey produces.");
        if (key.Count < 2 || key.Count > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(labelColumnName),
                $"Label column '{labelColumnName}' has {key.Count} classes; a classifier needs at least 2.");
        return new SemiSupervisedColumns(features, label, vector.Size, (int)key.Count);
    }
}
