using Microsoft.ML.Gan.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Data;

/// <summary>
/// A minibatch's rows copied out of the feature matrix, the values <c>index_select(0, ...)</c> gives: on the CPU, with
/// float32 features and int64 positions, one block copy per row on the calling thread, which took about two thirds of
/// libtorch's <c>index_select</c> time for 100 rows of MNIST not in cache (docs/performance.md); elsewhere
/// <c>index_select</c>.
/// </summary>
internal static unsafe class RowGather
{
    /// <summary>
    /// Rows <c>features[rows[positions[start + i]]]</c> for i &lt; <paramref name="count"/> ([count, features]), or
    /// <c>features[positions[start + i]]</c> when <paramref name="rows"/> is null.
    /// </summary>
    public static Tensor Of(Tensor features, Tensor positions, long start, int count, Tensor? rows = null)
    {
        if (!Copies(features, positions, rows))
        {
            using var slice = positions.narrow(0, start, count);
            if (rows is null)
                return features.index_select(0, slice);
            using var chosen = rows.index_select(0, slice);
            return features.index_select(0, chosen);
        }
        long length = features.shape[0], width = features.shape[1];
        var result = empty([count, width], ScalarType.Float32);
        float* source = TensorMemory.Address<float>(features), target = TensorMemory.Address<float>(result);
        long* order = TensorMemory.Address<long>(positions) + start;
        long* map = rows is null ? null : TensorMemory.Address<long>(rows);
        long bytes = width * sizeof(float);
        for (int i = 0; i < count; i++)
        {
            long row = map is null ? order[i] : map[order[i]];
            if ((ulong)row >= (ulong)length)
                throw new IndexOutOfRangeException($"Row {row} is outside the {length} rows of the features.");
            Buffer.MemoryCopy(source + row * width, target + i * width, bytes, bytes);
        }
        return result;
    }

    private static bool Copies(Tensor features, Tensor positions, Tensor? rows) =>
        features.device_type == DeviceType.CPU && features.dtype == ScalarType.Float32 && features.dim() == 2 && features.is_contiguous()
        && Contiguous64(positions) && (rows is null || Contiguous64(rows));

    private static bool Contiguous64(Tensor indices) =>
        indices.device_type == DeviceType.CPU && indices.dtype == ScalarType.Int64 && indices.dim() == 1 && indices.is_contiguous();
}
