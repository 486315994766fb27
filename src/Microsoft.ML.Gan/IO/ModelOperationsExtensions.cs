using Microsoft.ML.Gan.IO;

namespace Microsoft.ML.Gan;

/// <summary>Crash-safe saving on <see cref="ModelOperationsCatalog"/> (<c>mlContext.Model</c>).</summary>
public static class ModelOperationsExtensions
{
    extension(ModelOperationsCatalog catalog)
    {
        /// <summary>
        /// Saves like <see cref="ModelOperationsCatalog.Save(ITransformer, DataViewSchema, string)"/>, but through a
        /// temporary file in the same folder that then replaces <paramref name="filePath"/> in one rename: a crash or a
        /// failure during the save leaves the previous file at <paramref name="filePath"/> intact (ML.NET's own Save
        /// truncates it first). A killed process may leave a hidden ".*.tmp" file beside it.
        /// </summary>
        public void SaveAtomically(ITransformer model, DataViewSchema inputSchema, string filePath)
        {
            ArgumentNullException.ThrowIfNull(model);
            ArgumentException.ThrowIfNullOrWhiteSpace(filePath);
            AtomicFile.Write(filePath, stream => catalog.Save(model, inputSchema, stream));
        }
    }
}
