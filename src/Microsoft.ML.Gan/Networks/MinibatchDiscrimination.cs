using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// Minibatch discrimination (Salimans et al., 2016, section 3.2): features f [n, A] are projected by a tensor T into
/// M [n, B, C]; o(x_i)_b = sum over j != i of exp(-||M_i,b - M_j,b||_1), and [f, o] ([n, A + B]) goes on. In training
/// the sum runs within a batch; for scoring it runs over a fixed reference batch of real rows instead, so a prediction
/// does not depend on the rows scored with it.
/// </summary>
internal sealed class MinibatchDiscrimination : nn.Module<Tensor, Tensor>
{
    /// <summary>exp(0) = 1, each row's closeness to itself, subtracted from the sum (held: <see cref="HeldScalars"/>).</summary>
    private static readonly Scalar OwnCloseness = 1.0.ToScalar();

    private readonly Parameter tensor_t;

    public MinibatchDiscrimination(string name, long inputs, int kernels, int kernelDimension, double initialStd, Generator random) : base(name)
    {
        Kernels = kernels;
        KernelDimension = kernelDimension;
        tensor_t = new Parameter(HeldScalars.Normal(0, initialStd, [inputs, kernels * kernelDimension], random), requires_grad: true);
        RegisterComponents();
    }

    /// <summary>B, the number of kernels: the length of o.</summary>
    public int Kernels { get; }

    /// <summary>C, the dimension of each kernel's projection.</summary>
    public int KernelDimension { get; }

    /// <summary>T, shape [A, B * C].</summary>
    public Parameter Projection => tensor_t;

    /// <summary>M = f T viewed as [n, B, C].</summary>
    public Tensor Project(Tensor features)
    {
        using var flat = features.matmul(tensor_t);
        return flat.view(-1, Kernels, KernelDimension);
    }

    /// <summary>[f, o] with o summed over the other rows of the same batch.</summary>
    public override Tensor forward(Tensor features)
    {
        using var scope = NewDisposeScope();
        var m = Project(features);
        var closeness = m.unsqueeze(1).sub(m.unsqueeze(0)).abs().sum(3).neg().exp();
        var o = closeness.sum(1).sub(OwnCloseness);
        return cat([features, o], 1).MoveToOuterDisposeScope();
    }

    /// <summary>[f, o] with o = scale * sum over the reference rows' projections [R, B, C].</summary>
    public Tensor AgainstReference(Tensor features, Tensor referenceProjections, double scale)
    {
        using var scope = NewDisposeScope();
        var m = Project(features);
        var closeness = m.unsqueeze(1).sub(referenceProjections.unsqueeze(0)).abs().sum(3).neg().exp();
        using var factor = scale.ToScalar();
        var o = closeness.sum(1).mul(factor);
        return cat([features, o], 1).MoveToOuterDisposeScope();
    }
}
