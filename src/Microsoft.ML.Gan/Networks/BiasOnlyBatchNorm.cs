using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// Batch normalisation with a learned bias and no gain, always using the statistics of the current batch,
/// as in the generator of the paper's MNIST code: y = (x - mean) / sqrt(var + eps) + beta.
/// </summary>
internal sealed class BiasOnlyBatchNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter beta;
    private readonly double _epsilon;

    public BiasOnlyBatchNorm(string name, long features, double epsilon = 1e-6) : base(name)
    {
        _epsilon = epsilon;
        beta = new Parameter(zeros(features), requires_grad: true);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var mean = input.mean([0L], keepdim: true);
        using var centered = input.sub(mean);
        using var variance = centered.pow(2).mean([0L], keepdim: true);
        using var inverseStd = variance.add(_epsilon).rsqrt();
        return centered.mul(inverseStd).add_(beta);
    }
}
