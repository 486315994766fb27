using Microsoft.ML.Gan.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using Microsoft.ML.Gan.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// Adam as the paper's code writes it: the step is lr * m_hat / sqrt(v_hat + epsilon), epsilon inside the square root.
/// With epsilon 1e-8 this damps parameters whose gradients are below about 1e-4, which PyTorch's Adam
/// (lr * m_hat / (sqrt(v_hat) + epsilon)) does not; the feature-matching generator's gradients are that small.
/// The update of a float32 parameter on the CPU runs in one pass (<see cref="AdamKernel"/>) where that pass rounds every
/// element as libtorch's kernels do (<see cref="OnePassIsExact"/>), else as libtorch's kernels.
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
    private readonly bool _onePass;
    private long _step;

    private static readonly Lazy<bool> Exact = new(CheckOnePass);

    /// <summary>
    /// Sets up the moments of <paramref name="parameters"/>. <paramref name="onePass"/>: whether updates may use the
    /// one-pass kernel (default: where <see cref="OnePassIsExact"/>); false keeps libtorch's kernels.
    /// </summary>
    public Adam(IEnumerable<Parameter> parameters, double learningRate, double beta1, double beta2, double epsilon = 1e-8, bool? onePass = null)
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
        _onePass = onePass ?? OnePassIsExact;
    }

    /// <summary>
    /// Whether the one-pass kernel gives libtorch's kernels' results to the bit on this machine (libtorch's elementwise
    /// code and MKL's square root depend on the CPU), checked once per process by three updates of both on the same
    /// random values.
    /// </summary>
    public static bool OnePassIsExact => Exact.Value;

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

    /// <summary>
    /// Applies one update from the current gradients; parameters without a gradient are skipped. With
    /// <paramref name="average"/>, it then makes that average's next update too: the one-pass kernel moves the average of
    /// each parameter it updates while the parameter is in cache, and the average moves the rest itself.
    /// <paramref name="directionGradients"/> gives weight-normalised directions' gradients as their terms, in place of
    /// their <c>grad</c>: the one-pass kernel writes each block as it reads it, and other updates set the gradient first;
    /// the one-pass kernel also writes their <see cref="DirectionGradientTerms.UpdatedRows"/> as it updates v.
    /// </summary>
    public void Step(ExponentialMovingAverage? average = null, IReadOnlyDictionary<Parameter, DirectionGradientTerms>? directionGradients = null)
    {
        _step++;
        double firstCorrection = 1 - Math.Pow(_beta1, _step);
        double secondCorrection = 1 - Math.Pow(_beta2, _step);
        // sqrt(v / c2 + eps) = sqrt(v + eps * c2) / sqrt(c2): the bias correction moves into the step size,
        // which saves a pass over every parameter.
        double stepSize = LearningRate * Math.Sqrt(secondCorrection) / firstCorrection;
        double shiftedEpsilon = _epsilon * secondCorrection;
        var coefficients = new AdamKernel.Coefficients((float)(1 - _beta1), (float)_beta2, (float)(1 - _beta2), (float)shiftedEpsilon, (float)-stepSize);
        using var heldEpsilon = shiftedEpsilon.ToScalar();
        using var heldStep = (-stepSize).ToScalar();
        double averageRate = average?.NextRate() ?? 0;
        var averaged = average is null ? null : new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        for (int i = 0; i < _parameters.Length; i++)
        {
            var parameter = _parameters[i];
            var terms = directionGradients?.GetValueOrDefault(parameter);
            if (terms is not null && !(_onePass && AdamKernel.Applies(parameter, terms.Count)))
            {
                terms.WriteTo(parameter);
                terms = null;
            }
            var gradient = terms is null ? parameter.grad : null;
            if (terms is null && gradient is null)
                continue;
            if (_onePass && (terms is not null || AdamKernel.Applies(parameter, gradient!)))
            {
                var follower = average?.AverageOf(parameter) is { } target && AdamKernel.Applies(target, parameter.numel()) ? target : null;
                if (terms is not null)
                {
                    AdamKernel.Update(parameter, terms, _firstMoments[i], _secondMoments[i], coefficients, follower, (float)averageRate);
                    terms.UpdatedRows?.Complete();
                }
                else
                    AdamKernel.Update(parameter, gradient!, _firstMoments[i], _secondMoments[i], coefficients, follower, (float)averageRate);
                if (follower is not null)
                    averaged!.Add(parameter);
                continue;
            }
            _firstMoments[i].lerp_(gradient!, _firstWeight);
            _secondMoments[i].mul_(_secondDecay).addcmul_(gradient!, gradient!, value: _secondWeight);
            using var denominator = _secondMoments[i].add(heldEpsilon, HeldScalars.One).sqrt_();
            parameter.addcdiv_(_firstMoments[i], denominator, value: heldStep);
        }
        average?.Update(averageRate, averaged!);
    }

    /// <summary>
    /// Three updates with the one-pass kernel and with libtorch's kernels of the same random parameters, each with a
    /// moving average whose rate crosses lerp's switch at 0.5; whether parameters, moments and averages all agree to the bit.
    /// </summary>
    private static bool CheckOnePass()
    {
        using var scope = NewDisposeScope();
        using var random = new TorchSharp.torch.Generator(20161206);
        // Sizes with and without a vector tail, one of them over several blocks and threads.
        long[] sizes = [1000, 2 * TensorMemory.ParallelFrom + 4099];
        var starts = sizes.Select(n => randn([n], generator: random).mul(0.05)).ToArray();
        var gradients = Enumerable.Range(0, 3).Select(_ => sizes.Select(n => randn([n], generator: random).mul(1e-3)).ToArray()).ToArray();
        Parameter[] Copy() => starts.Select(s => new Parameter(s.clone(), requires_grad: true)).ToArray();
        var onePass = Copy();
        var kernels = Copy();
        using var fused = new Adam(onePass, 0.0003, 0.5, 0.999, onePass: true);
        using var reference = new Adam(kernels, 0.0003, 0.5, 0.999, onePass: false);
        // Rates 9/17, 9/18 = 0.5 and 9/19: lerp from the end, then from the start.
        var fusedAverage = new ExponentialMovingAverage(onePass.Zip(Copy()), 1e-4) { Updates = 7 };
        var referenceAverage = new ExponentialMovingAverage(kernels.Zip(Copy()), 1e-4) { Updates = 7 };
        foreach (var step in gradients)
        {
            for (int i = 0; i < sizes.Length; i++)
            {
                onePass[i].grad = step[i].clone();
                kernels[i].grad = step[i].clone();
            }
            fused.Step(fusedAverage);
            reference.Step();
            referenceAverage.Update();
        }
        static bool Same(Tensor a, Tensor b) => !a.ne(b).any().item<bool>();
        return onePass.Zip(kernels).All(pair => Same(pair.First, pair.Second))
            && fused.Moments.Zip(reference.Moments).All(pair => Same(pair.First, pair.Second))
            && onePass.Zip(kernels).All(pair => Same(fusedAverage.AverageOf(pair.First)!, referenceAverage.AverageOf(pair.Second)!));
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
