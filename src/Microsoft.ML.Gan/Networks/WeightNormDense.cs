using Microsoft.ML.Gan.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// A dense layer with weight normalisation (Salimans and Kingma, 2016): W = g * v / ||v|| for each output unit,
/// y = x W^T + b. The scale g can be frozen, as in the paper's hidden layers, and can be set by
/// data-dependent initialisation so that the first batch's pre-activations have zero mean and unit variance.
/// </summary>
internal sealed class WeightNormDense : nn.Module<Tensor, Tensor>
{
    private readonly Parameter v;
    private readonly Parameter g;
    private readonly Parameter b;
    private Tensor? _frozenWeight;
    private DirectionGradient? _directionGradient;
    private UpdatedDirectionRows? _updatedRows;

    public WeightNormDense(string name, long inputs, long outputs, bool trainScale, Tensor initialDirection) : base(name)
    {
        using (var detached = initialDirection.detach())
            v = new Parameter(detached.clone(), requires_grad: true);
        g = new Parameter(ones(outputs), requires_grad: trainScale);
        b = new Parameter(zeros(outputs), requires_grad: true);
        RegisterComponents();
    }

    /// <summary>Direction v, shape [outputs, inputs].</summary>
    public Parameter Direction => v;

    /// <summary>Scale g, shape [outputs].</summary>
    public Parameter Scale => g;

    /// <summary>Bias b, shape [outputs].</summary>
    public Parameter Bias => b;

    /// <summary>The folded weight in <see cref="ProductType"/> while <see cref="Freeze"/> holds it; null otherwise.</summary>
    public Tensor? FrozenWeight => _frozenWeight;

    /// <summary>
    /// The type the training products are computed in: float32 (the default), or bfloat16, whose products libtorch sums
    /// in float32 and rounds to bfloat16; they come back as float32. Scoring without a gradient stays float32.
    /// </summary>
    public ScalarType ProductType { get; set; } = ScalarType.Float32;

    /// <summary>
    /// Whether a training forward pass gives autograd the direction and its norm as leaves, so that
    /// <see cref="CompleteDirectionGradient"/> computes the direction's gradient in one pass after the backward pass
    /// (<see cref="DirectionGradient"/>), with the same values, or <see cref="TakeDirectionGradient"/> hands it to the
    /// optimiser. For a layer that runs once per backward pass: a second training forward pass before the gradient is
    /// completed throws.
    /// </summary>
    public bool DirectionGradientInOnePass { get; set; }

    /// <summary>
    /// y = (x v^T) * (g / ||v||) + b while the direction is trained; once the weights are constants (no gradient mode,
    /// or frozen while the generator trains against them) the folded weight and one fused matrix multiply with the bias.
    /// The training products (not the no-gradient one) multiply in <see cref="ProductType"/>. With
    /// <see cref="DirectionGradientInOnePass"/>, rows of float32 on the CPU take the layer as one autograd node
    /// (<see cref="TrainingLogits"/>, as the generator's output layer does).
    /// </summary>
    public override Tensor forward(Tensor input)
    {
        if (_frozenWeight is not null)
        {
            if (ProductType == ScalarType.Float32)
                return nn.functional.linear(input, _frozenWeight, b);
            using var frozenProduct = Product(input, _frozenWeight);
            return frozenProduct.add(b);
        }
        if (!v.requires_grad || !is_grad_enabled())
        {
            using var weight = FoldedWeight();
            return nn.functional.linear(input, weight, b);
        }
        if (DirectionGradientInOnePass)
            return ForwardWithDirectionLeaves(input);
        using var direction = Product(input, v);
        using var factor = UnitScale();
        return b.addcmul(direction, factor, HeldScalars.One);
    }

    /// <summary>Sets the direction's gradient after the backward pass of a forward pass with <see cref="DirectionGradientInOnePass"/>; nothing otherwise.</summary>
    public void CompleteDirectionGradient()
    {
        using var terms = TakeDirectionGradient();
        terms?.WriteTo(v);
    }

    /// <summary>
    /// Ends the pass as <see cref="CompleteDirectionGradient"/> does, but returns the direction's gradient as its terms instead
    /// of setting it, for an optimiser that writes it as it reads the direction; null without such a pass.
    /// </summary>
    public DirectionGradientTerms? TakeDirectionGradient()
    {
        if (_directionGradient is null)
            return null;
        using var leaves = _directionGradient;
        _directionGradient = null;
        return leaves.Terms();
    }

    /// <summary>
    /// Makes the leaves of a training forward pass with <see cref="DirectionGradientInOnePass"/> (the direction in
    /// <see cref="ProductType"/> and its norm), for a pass that computes the layer itself (<see cref="TrainingLogits"/>);
    /// <see cref="CompleteDirectionGradient"/> ends them after its backward pass.
    /// </summary>
    public DirectionGradient TrainingLeaves()
    {
        if (_directionGradient is not null)
            throw new InvalidOperationException($"Layer '{GetName()}' ran a second training forward pass before the direction's gradient of the first was completed.");
        _directionGradient = DirectionGradient.Of(v, ProductType, _updatedRows);
        ForgetUpdatedRows();
        return _directionGradient;
    }

    /// <summary>
    /// The rows of v's next leaves and, while g is constant, of its next folded weight, for an optimiser to write as it
    /// updates v (<see cref="UpdatedDirectionRows"/>); the next <see cref="TrainingLeaves"/> and <see cref="Freeze"/> take
    /// them once written. Null where they cannot be written in one pass. Replaces rows not yet taken.
    /// </summary>
    public UpdatedDirectionRows? PrepareUpdatedRows()
    {
        ForgetUpdatedRows();
        return _updatedRows = UpdatedDirectionRows.For(v, g, ProductType);
    }

    /// <summary>Drops the rows of <see cref="PrepareUpdatedRows"/>, for when v or g has changed since they were written (a restored snapshot).</summary>
    public void ForgetUpdatedRows()
    {
        _updatedRows?.Dispose();
        _updatedRows = null;
    }

    private Tensor ForwardWithDirectionLeaves(Tensor input)
    {
        if (input.dim() == 2 && input.dtype == ScalarType.Float32 && input.device_type == DeviceType.CPU)
            return TrainingLogits.Of(input, [new TrainingLogits.Layer(null, TrainingLeaves(), g, b, Rectified: false)]);
        var leaves = TrainingLeaves();
        using var direction = Product(input, leaves.Direction);
        using var factor = g.div(leaves.Norm);
        return b.addcmul(direction, factor, HeldScalars.One);
    }

    /// <summary>
    /// Data-dependent initialisation: sets g = 1/std and b = -mean/std of this batch's pre-activations
    /// and returns the normalised pre-activations, which is what the layer now outputs for this batch.
    /// </summary>
    public Tensor InitializeFrom(Tensor input)
    {
        using var scope = NewDisposeScope();
        using var inverseNorm = v.detach().pow(HeldScalars.Two).sum(1).rsqrt();
        var preActivation = input.matmul(v.detach().t()).mul(inverseNorm);
        var mean = preActivation.mean([0L]);
        var std = preActivation.sub(mean).pow(HeldScalars.Two).mean([0L]).sqrt();
        using (no_grad())
        {
            g.copy_(std.reciprocal());
            b.copy_(mean.neg().div(std));
        }
        return preActivation.sub(mean).div(std).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Adds the layer as the scoring graph computes it: the folded weight transposed, <paramref name="weight"/> [inputs,
    /// outputs], and the bias <paramref name="bias"/> as constants; MatMul to <paramref name="product"/>, Add to
    /// <paramref name="output"/>, which it returns.
    /// </summary>
    public string AddTo(OnnxGraphBuilder graph, string input, string weight, string bias, string product, string output)
    {
        using (var folded = FoldedWeight())
        using (var transposed = folded.t())
            graph.AddInitializer(weight, transposed);
        graph.AddInitializer(bias, b);
        graph.AddNode("MatMul", [input, weight], [product]);
        graph.AddNode("Add", [product, bias], [output]);
        return output;
    }

    /// <summary>
    /// Folds the weight once, or takes the fold the last update wrote (<see cref="PrepareUpdatedRows"/>), and uses it in
    /// every forward pass until <see cref="Thaw"/>, for a stretch in which the weights do not change (the generator's step
    /// runs the discriminator twice).
    /// </summary>
    public void Freeze()
    {
        _frozenWeight?.Dispose();
        _frozenWeight = _updatedRows?.TakeFolded() ?? DirectionRows.Folded(v, g, ProductType).DetachFromDisposeScope();
    }

    /// <summary>Ends <see cref="Freeze"/>.</summary>
    public void Thaw()
    {
        _frozenWeight?.Dispose();
        _frozenWeight = null;
    }

    /// <summary>The folded weight g * v / ||v||, shape [outputs, inputs], with no autograd history.</summary>
    public Tensor FoldedWeight() => DirectionRows.Folded(v, g, ScalarType.Float32);

    /// <summary>x w^T with both operands in <see cref="ProductType"/>, returned as float32.</summary>
    private Tensor Product(Tensor input, Tensor weight)
    {
        if (ProductType == ScalarType.Float32)
            return input.matmul(weight.t());
        using var scope = NewDisposeScope();
        return input.to(ProductType).matmul(weight.to(ProductType).t()).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>g / ||v|| per output unit (<see cref="EuclideanNorm"/>).</summary>
    private Tensor UnitScale()
    {
        using var norm = EuclideanNorm.Over(v, 1L);
        return g.div(norm);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Thaw();
            _directionGradient?.Dispose();
            ForgetUpdatedRows();
        }
        base.Dispose(disposing);
    }
}
