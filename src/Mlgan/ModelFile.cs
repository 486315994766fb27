namespace Microsoft.ML.Gan.Cli;

/// <summary>Loads a model.zip, naming the file when it is missing or not a model.</summary>
internal static class ModelFile
{
    public static ITransformer Load(MLContext ml, FileInfo file)
    {
        if (!file.Exists)
            throw new FileNotFoundException($"Model file '{file.FullName}' does not exist; train one with 'mlgan train'.", file.FullName);
        try
        {
            return ml.Model.Load(file.FullName, out _);
        }
        catch (Exception e) when (e is not FileNotFoundException)
        {
            throw new InvalidDataException($"'{file.FullName}' is not a model.zip that ML.NET can load: {e.Message}", e);
        }
    }
}
