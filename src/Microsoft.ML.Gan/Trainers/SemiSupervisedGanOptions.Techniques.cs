namespace Microsoft.ML.Gan;

public sealed partial class SemiSupervisedGanTrainer
{
    // Extra techniques, each off by default (the defaults are the paper's setup): the paper's other techniques (other
    // generator objectives, minibatch discrimination, virtual batch norm, label smoothing, historical averaging) and
    // ensembles, learning-rate decay, and techniques beyond the paper.
    public sealed partial class Options
    {
        /// <summary>What the generator minimises. Default <see cref="Gan.GeneratorObjective.FeatureMatching"/>, the paper's.</summary>
        public GeneratorObjective GeneratorObjective = GeneratorObjective.FeatureMatching;

        /// <summary>
        /// Minibatch discrimination: the number of kernels B (the paper uses 100) whose closeness to the other rows of the
        /// batch is appended to the discriminator's last hidden layer. For scoring, rows are compared with a stored batch
        /// of BatchSize real training rows instead, so predictions do not depend on their neighbours. Default 0 (off).
        /// </summary>
        public int MinibatchDiscriminationKernels;

        /// <summary>Dimension C of each minibatch-discrimination kernel. Default 5.</summary>
        public int MinibatchDiscriminationKernelDimension = 5;

        /// <summary>
        /// Virtual batch normalisation in the generator: each sample is normalised with the statistics of a reference batch
        /// of noise, fixed at the start of training, mixed with its own (weight 1/(n+1)). Default false (batch norm).
        /// </summary>
        public bool VirtualBatchNormalization;

        /// <summary>
        /// One-sided label smoothing: the target of real (unlabeled) rows in the real-versus-generated loss, e.g. 0.9;
        /// generated rows keep target 0. Default 1 (off).
        /// </summary>
        public double OneSidedLabelSmoothing = 1.0;

        /// <summary>
        /// Historical averaging weight lambda: both players' losses get lambda * ||theta - mean of past theta||^2.
        /// Default 0 (off).
        /// </summary>
        public double HistoricalAveragingWeight;

        /// <summary>
        /// Ensemble: trains this many discriminator/generator pairs with seeds Seed, Seed + 1, ... and the fitted model
        /// averages their class probabilities (still one transformer, one model.zip); the generator is the first one's.
        /// Checkpoints of member i go to CheckpointDirectory/member-i. Default 1.
        /// </summary>
        public int EnsembleSize = 1;

        /// <summary>
        /// Epochs N at the end of training over which both learning rates decay linearly to 0: epoch e of the last N runs
        /// at rate * (MaxEpoch - e + 1) / N. Default null: the last third, MaxEpoch / 3 epochs rounded down (Bad GAN's
        /// schedule); 0 keeps the rates constant, as the paper's MNIST code. As the default follows MaxEpoch, a run resumed
        /// with a larger MaxEpoch differs from the longer run from the start unless N is set.
        /// </summary>
        public int? LearningRateDecayEpochs;

        /// <summary>Discriminator updates per generator update. Default 1.</summary>
        public int DiscriminatorSteps = 1;

        /// <summary>
        /// Experience replay: rows of earlier generated samples kept in a ring buffer; each discriminator step replaces
        /// <see cref="ExperienceReplayFraction"/> of its generated batch with rows drawn from it. Default 0 (off).
        /// </summary>
        public int ExperienceReplaySize;

        /// <summary>Fraction of each generated batch drawn from the replay buffer, in [0, 1]. Default 0.5.</summary>
        public double ExperienceReplayFraction = 0.5;

        /// <summary>
        /// Class-conditional generator: it receives z followed by a one-hot class vector (classes drawn uniformly), and its
        /// loss adds <see cref="ConditionalClassWeight"/> times the cross-entropy of the discriminator's K+1 classes on its
        /// samples against their class (real and of that class). The discriminator still treats every generated row as
        /// fake (the K+1-th class). Samples of one class come from
        /// <see cref="SemiSupervisedGanTransformer.GenerateForLabel{TLabel}"/>. Default false.
        /// </summary>
        public bool ConditionalGenerator;

        /// <summary>
        /// Weight of the class cross-entropy in a conditional generator's loss, added to feature matching (unitless).
        /// Default 0.1: on MNIST with 100 labels, 1 made the generator collapse to one image within 5 epochs.
        /// </summary>
        public double ConditionalClassWeight = 0.1;

        /// <summary>
        /// Weight of CT-GAN's consistency term (Wei et al., 2018) in the discriminator's loss: the unlabeled rows pass through
        /// the discriminator a second time with independent noise (dropout in the convolutional architecture), and the
        /// squared difference of the two passes' K+1 class probabilities is added. CT-GAN uses 0.1. It costs one more
        /// forward and backward pass of a batch per step. Default 0 (off).
        /// </summary>
        public double ConsistencyWeight;

        /// <summary>
        /// Weight of CatGAN's terms on real rows (Springenberg, 2016) in the discriminator's loss: for an unlabeled batch's
        /// K real-class probabilities, the KL divergence from the batch's class shares to the labeled rows' class shares
        /// plus the mean entropy of a row's probabilities, the negative mutual information between a row and its class.
        /// It asks for confident classes spread as the labels are, which the GAN's loss does not see. No extra pass.
        /// Default 0 (off).
        /// </summary>
        public double MutualInformationWeight;

        /// <summary>
        /// Weight of virtual adversarial training (Miyato et al., 2018) in the discriminator's loss: the unlabeled rows
        /// are moved by the perturbation of L2 norm <see cref="VirtualAdversarialEpsilon"/> that most changes the
        /// discriminator's K real-class probabilities (found by one power iteration), and the KL divergence from the
        /// probabilities at the rows to those at the moved rows is added. The generated class is left out, so the term
        /// smooths which digit a row is and leaves the real/generated decision to the GAN's loss. The discriminator's noise is drawn once for
        /// the term's passes, so the term measures the smoothness of one network, not the spread of its noise. It costs
        /// one forward pass and two forward and backward passes of a batch per step. Default 0 (off).
        /// </summary>
        public double VirtualAdversarialWeight;

        /// <summary>
        /// The L2 norm of the virtual adversarial perturbation of one row, in the units of the rows the discriminator
        /// sees (pixels in [0, 1] for images; standard deviations of each feature when <see cref="FeatureScaling"/>
        /// standardises). Default 5.0, Miyato et al.'s value for MNIST.
        /// </summary>
        public double VirtualAdversarialEpsilon = 5.0;

        /// <summary>
        /// The finite-difference step xi of the power iteration that finds the virtual adversarial direction: the L2 norm
        /// of the random probe of one row, in the same units as <see cref="VirtualAdversarialEpsilon"/>. Default 0.1.
        /// Miyato et al.'s code uses 1e-6, but in float32 the probe's change of the class probabilities is then lost in
        /// rounding and the direction found does not depend on the probe (docs/design.md).
        /// </summary>
        public double VirtualAdversarialXi = 0.1;

        /// <summary>
        /// Class priors from the unlabeled rows: after training, the classifier's class probabilities on the unlabeled rows
        /// give the classes' frequencies in the data by the EM procedure of Saerens et al. (2002), and each class's logit is
        /// shifted by log(estimated frequency / its share of the labeled rows). Without it the classifier takes the
        /// labeled rows' class frequencies as the data's, which they are not when a few rows are labeled per class (a
        /// class of 80% of the rows with 10 labels out of 55). Default false; <see cref="ForTabular"/> sets it.
        /// </summary>
        public bool EstimateClassPriors;
    }
}
