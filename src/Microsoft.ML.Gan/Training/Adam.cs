using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// Adam as the paper's code writes it: the step is lr * m_hat / sqrt(v_hat + epsilon), epsilon inside the square root.
/// With epsilon 1e-8 this damps parameters whose gradients are below about 1e-4, which PyTorch's Adam
/// (lr * m_hat / (sqrt(v_hat) + epsilon)) does not; the feature-matching generator's gradients are that small.
/// </summary>
internal sealed class Adam : IDisposable
{
    private readonly Parameter[] _parameters;
    private readonly Tensor[] _firstMoments;
    private readonly Tensor[] _secondMoments;
    private readonly double _learningRate;
    private readonly double _beta1;
    private readonly double _beta2;
    private readonly double _epsilon;
    private long _step;

    public Adam(IEnumerable<Parameter> parameters, double learningRate, double beta1, double beta2, double epsilon = 1e-8)
    {
        _parameters = parameters.ToArray();
        _firstMoments = _parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        _secondMoments = _parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        _learningRate = learningRate;
        _beta1 = beta1;
        _beta2 = beta2;
        _epsilon = epsilon;
    }

    /// <summary>Clears the gradients of all parameters.</summary>
    public void ZeroGrad()
    {
        foreach (var p in _parameters)
            p.grad?.zero_();
    }

    /// <summary>Applies one update from the current gradients; parameters without a gradient are skipped.</summary>
    public void Step()
    {
        _step++;
        double firstCorrection = 1 - Math.Pow(_beta1, _step);
        double secondCorrection = 1 - Math.Pow(_beta2, _step);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        for (int i = 0; i < _parameters.Length; i++)
        {
            var gradient = _parameters[i].grad;
            if (gradient is null)
                continue;
            _firstMoments[i].mul_(_beta1).add_(gradient, alpha: 1 - _beta1);
            _secondMoments[i].mul_(_beta2).addcmul_(gradient, gradient, value: 1 - _beta2);
            var denominator = _secondMoments[i].div(secondCorrection).add_(_epsilon).sqrt_();
            _parameters[i].addcdiv_(_firstMoments[i], denominator, value: -_learningRate / firstCorrection);
        }
    }

    public void Dispose()
    {
        foreach (var t in _firstMoments.Concat(_secondMoments))
            t.Dispose();
    }
}
