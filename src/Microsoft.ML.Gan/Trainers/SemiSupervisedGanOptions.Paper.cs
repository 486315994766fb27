namespace Microsoft.ML.Gan;

public sealed partial class SemiSupervisedGanTrainer
{
    // The paper's core: the length of training, the optimiser (with Bad GAN's rates and betas), the networks' sizes, their
    // noise and initialisation, the moving average that becomes the model, and the seed (Salimans et al., 2016,
    // permutation-invariant MNIST code).
    public sealed partial class Options
    {
        /// <summary>Number of passes over the unlabeled rows. Default 300.</summary>
        public int MaxEpoch = 300;

        /// <summary>Rows per minibatch, used for each of the labeled, unlabeled and generated batches. Default 100.</summary>
        public int BatchSize = 100;

        /// <summary>Adam learning rate of the discriminator. Default 0.003 (the paper's and Bad GAN's).</summary>
        public double LearningRate = 0.003;

        /// <summary>Adam beta1 of the discriminator. Default 0.5 (the paper's and Bad GAN's).</summary>
        public double AdamBeta1 = 0.5;

        /// <summary>Adam beta2 of the discriminator. Default 0.9999 (Bad GAN's, Dai et al., 2017; the paper's code 0.999).</summary>
        public double AdamBeta2 = 0.9999;

        /// <summary>Adam learning rate of the generator. Default 0.001 (Bad GAN's; the paper's code uses 0.003 for both networks).</summary>
        public double GeneratorLearningRate = 0.001;

        /// <summary>Adam beta1 of the generator. Default 0 (Bad GAN's; the paper's code 0.5).</summary>
        public double GeneratorAdamBeta1 = 0;

        /// <summary>Adam beta2 of the generator. Default 0.9999 (Bad GAN's; the paper's code 0.999).</summary>
        public double GeneratorAdamBeta2 = 0.9999;

        /// <summary>Weight w of the unsupervised loss in the discriminator's loss L_lab + w * L_unl. Default 1.</summary>
        public double UnlabeledWeight = 1.0;

        /// <summary>Widths of the discriminator's hidden layers (Mlp architecture). Default 1000, 500, 250, 250, 250.</summary>
        public int[] DiscriminatorHiddenSizes = [1000, 500, 250, 250, 250];

        /// <summary>Widths of the generator's hidden layers (Mlp architecture). Default 500, 500.</summary>
        public int[] GeneratorHiddenSizes = [500, 500];

        /// <summary>Length of the generator's uniform noise vector z. Default 100.</summary>
        public int NoiseSize = 100;

        /// <summary>Standard deviation of the Gaussian noise on the discriminator's input (Mlp architecture). Default 0.3.</summary>
        public double InputNoiseStandardDeviation = 0.3;

        /// <summary>Standard deviation of the Gaussian noise after each hidden layer of the discriminator (Mlp architecture). Default 0.5.</summary>
        public double HiddenNoiseStandardDeviation = 0.5;

        /// <summary>Standard deviation of the normal initialisation of the weight-normalised directions v. Default 0.1.</summary>
        public double InitialWeightStandardDeviation = 0.1;

        /// <summary>Rows used by the data-dependent initialisation of the discriminator. Default 500.</summary>
        public int InitializationRows = 500;

        /// <summary>
        /// Rate of the exponential moving average of the discriminator's parameters that becomes the final model,
        /// a &lt;- a + rate * (p - a) per step, with a warm-up: the rate at step t is max(rate, 9 / (10 + t)). The average
        /// moves every 8 steps and at the end of every epoch, with the rates of the steps it covers compounded
        /// (1 - (1 - rate)^8 for 8 steps). 1 keeps the last parameters. Default 1e-4, the paper's.
        /// </summary>
        public double AveragingRate = 1e-4;

        /// <summary>Seed of weights, noise and minibatch order; null draws one from the MLContext's seed. Default null.</summary>
        public int? Seed;
    }
}
