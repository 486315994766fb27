namespace Microsoft.ML.Gan;

/// <summary>ML.NET's conventional column names (its own constants are internal).</summary>
internal static class ColumnNames
{
    public const string Label = "Label";
    public const string Features = "Features";
    public const string Score = "Score";
    public const string PredictedLabel = "PredictedLabel";
}
