using Microsoft.ML.Gan.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// Virtual adversarial training (Miyato et al., 2018) on the discriminator's K real-class probabilities, the softmax of
/// its K logits (the generated class left out, so the term cannot move the real/generated decision, which rests on the
/// logits' log-sum-exp): for rows x with probabilities p, held constant, the perturbation r_adv of L2 norm epsilon per
/// row that most increases KL(p || q(x + r)) is estimated by one power iteration from a random direction d (the gradient
/// of the divergence at r = xi d, a finite-difference product of its Hessian with d), and the term is the mean over the
/// rows of KL(p || q(x + r_adv)). The network must be one fixed function over its calls (a noisy network replays its
/// noise, <see cref="NoiseReplay"/>).
/// </summary>
internal static class VirtualAdversarialLoss
{
    /// <summary>The least a row's largest absolute value is divided by (a normal float32), so that a zero row stays 0 and any other row is scaled exactly.</summary>
    private static readonly Scalar TinyLargest = 1e-30.ToScalar();

    /// <summary>Added to the sum of squares under the square root, so a zero row stays zero (Miyato et al.'s code).</summary>
    private static readonly Scalar TinySquares = 1e-6.ToScalar();

    /// <summary>
    /// The mean over <paramref name="rows"/> of KL(p || q(x + r_adv)), with p and q the K class probabilities of
    /// <paramref name="logits"/> (rows to K logits) and r_adv of norm <paramref name="epsilon"/> found with the
    /// finite-difference step <paramref name="xi"/>; the random direction is drawn from <paramref name="random"/> before
    /// the first call of <paramref name="logits"/>. Gradients reach the network's parameters through the last pass only.
    /// </summary>
    public static Tensor Compute(Func<Tensor, Tensor> logits, Tensor rows, double epsilon, double xi, RandomGenerator random)
    {
        using var scope = NewDisposeScope();
        var x = rows.detach();
        var direction = randn(x.shape, dtype: x.dtype, device: x.device, generator: random);
        Tensor target;
        using (no_grad())
            target = LogProbabilities(logits(x));
        var perturbation = Perturbation(logits, x, target, direction, epsilon, xi);
        var moved = x.add(perturbation, HeldScalars.One);
        return Divergence(target, logits(moved)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// r_adv for <paramref name="rows"/> whose K class log-probabilities are <paramref name="target"/>: the gradient of
    /// the mean KL(p || q(x + r)) with respect to r at r = <paramref name="xi"/> times <paramref name="direction"/>
    /// scaled to norm 1 per row, scaled to norm <paramref name="epsilon"/> per row (a row whose gradient is 0 gets r_adv
    /// 0). The gradient is taken with respect to r alone, with gradients on even inside no_grad; the parameters' gradients
    /// are left untouched.
    /// </summary>
    public static Tensor Perturbation(Func<Tensor, Tensor> logits, Tensor rows, Tensor target, Tensor direction, double epsilon, double xi)
    {
        using var scope = NewDisposeScope();
        using var gradientMode = enable_grad();
        using var step = xi.ToScalar();
        using var norm = epsilon.ToScalar();
        var probe = UnitRows(direction).mul_(step).requires_grad_(true);
        var divergence = Divergence(target, logits(rows.add(probe, HeldScalars.One)));
        var gradient = autograd.grad([divergence], [probe])[0];
        return UnitRows(gradient).mul_(norm).MoveToOuterDisposeScope();
    }

    /// <summary>The mean over rows of KL(p || q) = sum over the K classes of p (log p - log q), from log p and q's K logits.</summary>
    public static Tensor Divergence(Tensor target, Tensor logits)
    {
        using var logQ = LogProbabilities(logits);
        using var p = target.exp();
        using var difference = target.sub(logQ);
        using var weighted = p.mul(difference);
        using var perRow = weighted.sum(1);
        return perRow.mean();
    }

    /// <summary>The log-probabilities of the K real classes from their K logits.</summary>
    public static Tensor LogProbabilities(Tensor logits) => logits.log_softmax(1);

    /// <summary>
    /// Each row scaled to L2 norm 1 (a zero row stays 0), first divided by its largest absolute value so that rows of any
    /// magnitude survive float32 (as Miyato et al.'s code does, which adds 1e-12 to that value instead: rows of gradients
    /// below about 1e-12, those of confident rows divided by the batch size, then come out shorter than epsilon).
    /// </summary>
    private static Tensor UnitRows(Tensor rows)
    {
        using var magnitude = rows.abs();
        using var largest = magnitude.amax([1], keepdim: true);
        using var largestOrTiny = largest.clamp_min(TinyLargest);
        using var scaled = rows.div(largestOrTiny);
        using var squares = scaled.square();
        using var sum = squares.sum(1, keepdim: true);
        using var sumShifted = sum.add(TinySquares, HeldScalars.One);
        using var length = sumShifted.sqrt();
        return scaled.div(length);
    }
}
