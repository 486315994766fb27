namespace Microsoft.ML.Gan.Cli;

/// <summary>Loads a model.zip, naming the file when it is missing or not a model.</summary>
internal static class ModelFile
{
    public static ITransformer Load(MLContext ml, FileInfo file) => Load(ml, file, out _);

    /// <summary>Loads the model and the schema of the data it was trained on.</summary>
    public static ITransformer Load(MLContext ml, FileInfo file, out DataViewSchema inputSchema)
    {
        if (!file.Exists)
            throw new FileNotFoundException($"Model file '{file.FullName}' does not exist; train one with 'mlgan train'.", file.FullName);
        try
        {
            return ml.Model.Load(file.FullName, out inputSchema);
        }
        catch (Exception e) when (e is not FileNotFoundException)
        {
            throw new InvalidDataException($"'{file.FullName}' is not a model.zip that ML.NET can load: {e.Message}", e);
        }
    }

    /// <summary>Whether the model was trained on a text label column (null when its input has no Label column).</summary>
    public static bool? HasTextLabel(DataViewSchema inputSchema) =>
        inputSchema.GetColumnOrNull("Label") is DataViewSchema.Column label ? label.Type is Microsoft.ML.Data.TextDataViewType : null;
}
