namespace Microsoft.ML.Gan;

public sealed partial class SemiSupervisedGanTrainer
{
    // Stability, not in the paper and on by default: instance noise in the first epochs, and the collapse guard that rolls
    // training back when the discriminator wins outright.
    public sealed partial class Options
    {
        /// <summary>
        /// Instance noise: standard deviation of Gaussian noise added to every row the discriminator sees in its update,
        /// decaying linearly to 0 over <see cref="InstanceNoiseDecayEpochs"/>; it keeps the discriminator from
        /// overpowering the generator in the early epochs. Default 0.2; 0 is the paper's setup. With Bad GAN's optimiser,
        /// 0 gave a lower mean over six MNIST label sets but left a seventh at 2.23% where 0.2 gave at most 1.54% on all
        /// eight tried (docs/results.md).
        /// </summary>
        public double InstanceNoiseStandardDeviation = 0.2;

        /// <summary>
        /// Epochs over which the instance noise decays to 0 (it is 0 from epoch N + 1 on). Default 45: with the paper's
        /// optimiser and noise of 0.2, six MNIST label sets at 45 epochs gave a lower mean and worst test error than with 20
        /// (docs/results.md).
        /// </summary>
        public int InstanceNoiseDecayEpochs = 45;

        /// <summary>
        /// Collapse guard: watches the discriminator's unsupervised loss and the generator's loss, averaged over windows of
        /// <see cref="CollapseGuardWindowSteps"/> steps, against their running averages (the baseline). When the
        /// discriminator wins outright (its loss falls below <see cref="CollapseDiscriminatorLossRatio"/> times its
        /// baseline while the generator's rises above <see cref="CollapseGeneratorLossRatio"/> times its baseline), it
        /// restores both networks, their optimisers' moments and the parameter average from the last snapshot that was
        /// followed by healthy windows (snapshots are kept in memory every four windows), and adds instance noise of
        /// <see cref="CollapseRescueInstanceNoise"/> that decays to 0 over <see cref="CollapseRescueSteps"/> steps (twice as
        /// long after each further recovery). Only training signals are used, no validation data. Each recovery is logged
        /// and counted in <see cref="GanTrainingProgress.CollapseRecoveries"/>. Default true.
        /// </summary>
        public bool CollapseGuard = true;

        /// <summary>Collapse guard: the fraction of its baseline below which the discriminator's unsupervised loss counts as winning. Default 0.2.</summary>
        public double CollapseDiscriminatorLossRatio = 0.2;

        /// <summary>Collapse guard: the multiple of its baseline above which the generator's loss counts as losing. Default 5.</summary>
        public double CollapseGeneratorLossRatio = 5;

        /// <summary>Collapse guard: discriminator steps per window of averaged losses. Default 50.</summary>
        public int CollapseGuardWindowSteps = 50;

        /// <summary>
        /// Collapse guard: discriminator steps at the start of training (counted over the whole run) during which the
        /// baseline forms and nothing is detected; the first epochs' large swings are normal. Default 1200 (two MNIST epochs).
        /// </summary>
        public int CollapseGuardWarmupSteps = 1200;

        /// <summary>Collapse guard: standard deviation of the instance noise added after a recovery (the scheduled noise when larger). Default 0.2.</summary>
        public double CollapseRescueInstanceNoise = 0.2;

        /// <summary>Collapse guard: discriminator steps over which the rescue noise decays linearly to 0; doubles with each further recovery. Default 6000 (ten MNIST epochs).</summary>
        public int CollapseRescueSteps = 6000;
    }
}
