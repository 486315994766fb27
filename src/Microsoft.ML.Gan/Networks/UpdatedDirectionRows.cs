using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// What a weight-normalised layer's next passes need of its direction v after an optimiser's update: ||v|| per output
/// unit and, with bfloat16 products, v in bfloat16 (the next training pass's leaves, <see cref="DirectionGradient"/>);
/// and, where g is constant, the folded weight g * v / ||v|| in the products' type (the next
/// <see cref="WeightNormDense.Freeze"/>). The optimiser writes them a few rows at a time just after it updates those rows
/// of v, while they are in cache (<see cref="Training.AdamKernel"/>), so neither pass reads v again. The values are
/// <see cref="DirectionRows"/>' own, so those of libtorch's operations to the bit.
/// </summary>
internal sealed unsafe class UpdatedDirectionRows : IDisposable
{
    private readonly DirectionRows.Pass _pass;
    private Tensor? _direction;
    private Tensor? _norm;
    private Tensor? _folded;

    private UpdatedDirectionRows(Tensor v, Tensor? g, ScalarType productType)
    {
        _norm = empty(v.shape[0]).DetachFromDisposeScope();
        _direction = productType == ScalarType.BFloat16 ? empty(v.shape, ScalarType.BFloat16).DetachFromDisposeScope() : null;
        _folded = g is null ? null : empty(v.shape, productType).DetachFromDisposeScope();
        _pass = DirectionRows.Pass.Of(v, g, _folded, _direction, _norm);
        Rows = (int)v.shape[0];
    }

    /// <summary>
    /// The rows to write for direction <paramref name="v"/> with scale <paramref name="g"/> and products in
    /// <paramref name="productType"/> (the fold only while g has no gradient); null where <see cref="DirectionRows"/>
    /// cannot write them in one pass.
    /// </summary>
    public static UpdatedDirectionRows? For(Tensor v, Tensor g, ScalarType productType)
    {
        using var _ = no_grad();
        if (!DirectionRows.InOnePass(v, productType))
            return null;
        bool fold = !g.requires_grad && g.dtype == ScalarType.Float32 && g.device_type == DeviceType.CPU && g.is_contiguous() && g.numel() == v.shape[0];
        return new UpdatedDirectionRows(v, fold ? g : null, productType);
    }

    /// <summary>Rows of v (its output units).</summary>
    public int Rows { get; }

    /// <summary>Inputs per row of v.</summary>
    public int Columns => _pass.Columns;

    /// <summary>Whether an update has written every row (<see cref="Complete"/>); until then nothing can be taken.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>Writes rows [<paramref name="first"/>, <paramref name="end"/>) from v as it is now, on the calling thread.</summary>
    public void Write(int first, int end) => DirectionRows.Rows(_pass, first, end);

    /// <summary>Marks every row written.</summary>
    public void Complete() => IsComplete = true;

    /// <summary>
    /// The leaves of the next training pass, which the caller then owns: v in bfloat16 (null with float32 products,
    /// which use v itself) and ||v||; null before <see cref="Complete"/> or once taken.
    /// </summary>
    public (Tensor? Direction, Tensor Norm)? TakeLeaves()
    {
        if (!IsComplete || _norm is null)
            return null;
        var leaves = (_direction, _norm);
        (_direction, _norm) = (null, null);
        return leaves;
    }

    /// <summary>The folded weight, which the caller then owns; null before <see cref="Complete"/>, without a fold, or once taken.</summary>
    public Tensor? TakeFolded()
    {
        if (!IsComplete)
            return null;
        var folded = _folded;
        _folded = null;
        return folded;
    }

    public void Dispose()
    {
        _direction?.Dispose();
        _norm?.Dispose();
        _folded?.Dispose();
        (_direction, _norm, _folded) = (null, null, null);
    }
}
