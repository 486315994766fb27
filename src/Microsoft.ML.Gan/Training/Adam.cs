using TorchSharp;
using TorchSharp.Modules;
using Microsoft.ML.Gan.Networks;
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
    private readonly double _beta1;
    private readonly double _beta2;
    private readonly double _epsilon;
    /// <summary>1 - beta1, beta2 and 1 - beta2, held for every step's native calls (<see cref="HeldScalars"/>: a temporary could be finalized during the native call).</summary>
    private readonly Tensor _firstWeight;
    private readonly Scalar _secondDecay;
    private readonly Scalar _secondWeight;
    private long _step;

    public Adam(IEnumerable<Parameter> parameters, double learningRate, double beta1, double beta2, double epsilon = 1e-8)
    {
        _parameters = parameters.ToArray();
        _firstMoments = _parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        _secondMoments = _parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        LearningRate = learningRate;
        _beta1 = beta1;
        _beta2 = beta2;
        _epsilon = epsilon;
        _firstWeight = tensor(1 - beta1).DetachFromDisposeScope();
        _secondDecay = beta2.ToScalar();
        _secondWeight = (1 - beta2).ToScalar();
    }

    /// <summary>The step size of the next updates; a schedule may change it between steps.</summary>
    public double LearningRate { get; set; }

    /// <summary>
    /// Drops the gradients of all parameters, so that the next backward pass writes fresh ones instead of adding to
    /// zeroed buffers (two passes less over every weight).
    /// </summary>
    public void ZeroGrad()
    {
        foreach (var p in _parameters)
        {
            using var gradient = p.grad;
            if (gradient is not null)
                p.grad = null;
        }
    }

    /// <summary>Applies one update from the current gradients; parameters without a gradient are skipped.</summary>
    public void Step()
    {
        _step++;
        double firstCorrection = 1 - Math.Pow(_beta1, _step);
        double secondCorrection = 1 - Math.Pow(_beta2, _step);
        // sqrt(v / c2 + eps) = sqrt(v + eps * c2) / sqrt(c2): the bias correction moves into the step size,
        // which saves a pass over every parameter.
        double stepSize = LearningRate * Math.Sqrt(secondCorrection) / firstCorrection;
        double shiftedEpsilon = _epsilon * secondCorrection;
        using var heldEpsilon = shiftedEpsilon.ToScalar();
        using var heldStep = (-stepSize).ToScalar();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        for (int i = 0; i < _parameters.Length; i++)
        {
            var gradient = _parameters[i].grad;
            if (gradient is null)
                continue;
            _firstMoments[i].lerp_(gradient, _firstWeight);
            _secondMoments[i].mul_(_secondDecay).addcmul_(gradient, gradient, value: _secondWeight);
            using var denominator = _secondMoments[i].add(heldEpsilon, HeldScalars.One).sqrt_();
            _parameters[i].addcdiv_(_firstMoments[i], denominator, value: heldStep);
        }
    }

    /// <summary>The first and second moments of every parameter (state a rollback restores).</summary>
    public IEnumerable<Tensor> Moments => _firstMoments.Concat(_secondMoments);

    /// <summary>Adds the step count and both moments to <paramref name="checkpoint"/> under <paramref name="prefix"/>.</summary>
    public void SaveTo(TrainingCheckpoint checkpoint, string prefix)
    {
        checkpoint.Numbers[$"{prefix}.step"] = _step;
        for (int i = 0; i < _parameters.Length; i++)
        {
            checkpoint.Add($"{prefix}.m{i}", _firstMoments[i]);
            checkpoint.Add($"{prefix}.v{i}", _secondMoments[i]);
        }
    }

    /// <summary>Restores what <see cref="SaveTo"/> wrote.</summary>
    public void LoadFrom(TrainingCheckpoint checkpoint, string prefix, string path)
    {
        _step = (long)checkpoint.GetNumber($"{prefix}.step", path);
        for (int i = 0; i < _parameters.Length; i++)
        {
            checkpoint.CopyTo($"{prefix}.m{i}", _firstMoments[i], path);
            checkpoint.CopyTo($"{prefix}.v{i}", _secondMoments[i], path);
        }
    }

    public void Dispose()
    {
        foreach (var t in _firstMoments.Concat(_secondMoments))
            t.Dispose();
        _firstWeight.Dispose();
        _secondDecay.Dispose();
        _secondWeight.Dispose();
    }
}
