namespace Microsoft.ML.Gan;

public sealed partial class SemiSupervisedGanTrainer
{
    public sealed partial class Options
    {
        /// <summary>Discriminator hidden widths of <see cref="ForTabular"/>: 250, 250, 250.</summary>
        public static readonly IReadOnlyList<int> TabularDiscriminatorHiddenSizes = [250, 250, 250];

        /// <summary>Generator hidden widths of <see cref="ForTabular"/>: 250, 250.</summary>
        public static readonly IReadOnlyList<int> TabularGeneratorHiddenSizes = [250, 250];

        /// <summary>Training steps (minibatches) <see cref="ForTabular"/> aims for: 500.</summary>
        public const int TabularSteps = 500;

        /// <summary>Ensemble members of <see cref="ForTabular"/>: 5.</summary>
        public const int TabularEnsembleSize = 5;

        /// <summary>Epochs of instance-noise decay of <see cref="ForTabular"/>: 20.</summary>
        public const int TabularInstanceNoiseDecayEpochs = 20;

        /// <summary>
        /// Defaults for tabular rows (tens of numeric features rather than 784 pixels), chosen with the tabular benchmark
        /// (docs/benchmarks/tabular.md): <see cref="FeatureScaling"/> Auto (which standardises such rows), a discriminator of
        /// three hidden layers of 250 and a generator of two of 250, <see cref="MaxEpoch"/> such that training takes at
        /// least <see cref="TabularSteps"/> steps of <see cref="BatchSize"/> rows: ceil(500 / floor(rows / batch size)), at
        /// least 10 and at most 300 epochs; an ensemble of <see cref="TabularEnsembleSize"/> (<see cref="EnsembleSize"/>:
        /// with a few labels one network's test error varies by several points between weight seeds, and a member of
        /// 500 steps on tens of features is cheap), and <see cref="EstimateClassPriors"/> (a few labels per class say
        /// nothing about the classes' frequencies in the data), <see cref="InstanceNoiseDecayEpochs"/> 20, and the paper's
        /// optimiser (both networks at 0.003, betas 0.5 and 0.999, no decay): the schedule and optimiser the tabular
        /// benchmark chose these defaults with (MNIST's Bad GAN rates raised dna's error from 19.4% to 27.1% over three
        /// seeds), and float32 products (<see cref="MatrixMultiplyPrecision.Single"/>: the benchmark measured them, and
        /// networks this small gain little from bfloat16). Every other option keeps its default; change any field of the
        /// result as usual.
        /// </summary>
        /// <param name="rowCount">Rows of the training data, labeled and unlabeled.</param>
        /// <param name="batchSize">Rows per minibatch (<see cref="BatchSize"/>). Default 100.</param>
        public static Options ForTabular(long rowCount, int batchSize = 100)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rowCount);
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
            var options = new Options
            {
                BatchSize = batchSize,
                DiscriminatorHiddenSizes = [.. TabularDiscriminatorHiddenSizes],
                GeneratorHiddenSizes = [.. TabularGeneratorHiddenSizes],
                EnsembleSize = TabularEnsembleSize,
                EstimateClassPriors = true,
                InstanceNoiseDecayEpochs = TabularInstanceNoiseDecayEpochs,
                AdamBeta2 = 0.999,
                GeneratorLearningRate = 0.003,
                GeneratorAdamBeta1 = 0.5,
                GeneratorAdamBeta2 = 0.999,
                LearningRateDecayEpochs = 0,
                MatrixMultiplyPrecision = MatrixMultiplyPrecision.Single,
            };
            long stepsPerEpoch = Math.Max(1, rowCount / options.BatchSize);
            options.MaxEpoch = (int)Math.Clamp((TabularSteps + stepsPerEpoch - 1) / stepsPerEpoch, 10, 300);
            return options;
        }
    }
}
