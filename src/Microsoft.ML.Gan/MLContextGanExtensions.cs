namespace Microsoft.ML.Gan;

/// <summary>Adds the <see cref="GanCatalog"/> to <see cref="MLContext"/>.</summary>
public static class MLContextGanExtensions
{
    extension(MLContext mlContext)
    {
        /// <summary>Trainers based on generative adversarial networks.</summary>
        public GanCatalog Gan => new(mlContext);
    }
}
