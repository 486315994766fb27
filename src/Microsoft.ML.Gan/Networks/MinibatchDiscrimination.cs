using Microsoft.ML.Gan.Onnx;
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

    public MinibatchDiscrimination(string name, long inputs, int kernels, int kernelDimension, double initialStd, RandomGenerator random) : base(name)
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

    /// <summary>
    /// Adds <see cref="AgainstReference"/> with the reference rows' projections [R, B, C] as constants:
    /// [f, scale * sum_r exp(-sum_c |M(f) - M_r|)], M(f) = f T viewed as [N, 1, B, C]. Returns the name of [f, o].
    /// </summary>
    public string AddTo(OnnxGraphBuilder graph, string features, Tensor referenceProjections, double scale, string prefix)
    {
        graph.AddInitializer($"{prefix}mbd_T", tensor_t);
        graph.AddInitializer($"{prefix}mbd_shape", [-1L, 1, Kernels, KernelDimension], 4);
        graph.AddInitializer($"{prefix}mbd_references", referenceProjections);
        graph.AddInitializer($"{prefix}mbd_axis_c", [3L], 1);
        graph.AddInitializer($"{prefix}mbd_axis_r", [1L], 1);
        graph.AddInitializer($"{prefix}mbd_scale", [(float)scale], 1);
        graph.AddNode("MatMul", [features, $"{prefix}mbd_T"], [$"{prefix}mbd_flat"]);
        graph.AddNode("Reshape", [$"{prefix}mbd_flat", $"{prefix}mbd_shape"], [$"{prefix}mbd_m"]);
        graph.AddNode("Sub", [$"{prefix}mbd_m", $"{prefix}mbd_references"], [$"{prefix}mbd_difference"]);
        graph.AddNode("Abs", [$"{prefix}mbd_difference"], [$"{prefix}mbd_abs"]);
        graph.AddNode("ReduceSum", [$"{prefix}mbd_abs", $"{prefix}mbd_axis_c"], [$"{prefix}mbd_l1"], OnnxAttribute.Int("keepdims", 0));
        graph.AddNode("Neg", [$"{prefix}mbd_l1"], [$"{prefix}mbd_negative"]);
        graph.AddNode("Exp", [$"{prefix}mbd_negative"], [$"{prefix}mbd_closeness"]);
        graph.AddNode("ReduceSum", [$"{prefix}mbd_closeness", $"{prefix}mbd_axis_r"], [$"{prefix}mbd_sum"], OnnxAttribute.Int("keepdims", 0));
        graph.AddNode("Mul", [$"{prefix}mbd_sum", $"{prefix}mbd_scale"], [$"{prefix}mbd_o"]);
        graph.AddNode("Concat", [features, $"{prefix}mbd_o"], [$"{prefix}mbd_features"], OnnxAttribute.Int("axis", 1));
        return $"{prefix}mbd_features";
    }
}
