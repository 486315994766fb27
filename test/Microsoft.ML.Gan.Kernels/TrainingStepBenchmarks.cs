using BenchmarkDotNet.Attributes;
using Microsoft.ML.Gan.Networks;
using Microsoft.ML.Gan.Training;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Kernels;

/// <summary>
/// One step of each player at the paper's MNIST sizes (784 inputs, 10 classes, batches of 100), on random data, with
/// the training loop's own steps: the discriminator's step (labeled, unlabeled and generated batches, both losses,
/// backward, Adam) followed by the parameter average's update, and the generator's feature-matching step against the
/// frozen discriminator. Instance noise is off, as in the paper.
/// </summary>
[Config(typeof(KernelConfig))]
public class TrainingStepBenchmarks
{
    private const int Batch = 100;
    private RandomGenerator _random = null!;
    private MlpDiscriminator _discriminator = null!;
    private MlpDiscriminator _average = null!;
    private MlpGenerator _generator = null!;
    private DiscriminatorStep _discriminatorStep = null!;
    private GeneratorStep _generatorStep = null!;
    private ExponentialMovingAverage _movingAverage = null!;
    private Tensor _labeled = null!;
    private Tensor _classes = null!;
    private Tensor _unlabeled = null!;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        set_num_threads(Threads);
        var options = new SemiSupervisedGanTrainer.Options { BatchSize = Batch, InstanceNoiseStandardDeviation = 0 };
        var noise = new GaussianNoiseSource(1);
        _random = new RandomGenerator(1);
        _discriminator = new MlpDiscriminator(784, options.DiscriminatorHiddenSizes, 10, options.InputNoiseStandardDeviation, options.HiddenNoiseStandardDeviation,
            options.InitialWeightStandardDeviation, _random, noise);
        _average = new MlpDiscriminator(784, options.DiscriminatorHiddenSizes, 10, options.InputNoiseStandardDeviation, options.HiddenNoiseStandardDeviation,
            options.InitialWeightStandardDeviation, _random, noise);
        _generator = new MlpGenerator(options.NoiseSize, options.GeneratorHiddenSizes, 784, _random);
        _labeled = rand(Batch, 784, generator: _random);
        _classes = randint(10, [Batch], generator: _random, dtype: ScalarType.Int64);
        _unlabeled = rand(Batch, 784, generator: _random);
        _discriminator.train();
        _generator.train();
        _discriminator.InitializeFrom(rand(500, 784, generator: _random));
        var clock = new PhaseClock();
        _discriminatorStep = new DiscriminatorStep(options, _discriminator, _generator, CPU, _random, noise, clock, new int[10]);
        _generatorStep = new GeneratorStep(options, _discriminator, _generator, _random, clock);
        _movingAverage = new ExponentialMovingAverage(_discriminator, _average, options.AveragingRate);
    }

    [Benchmark]
    public double DiscriminatorStep()
    {
        using var scope = NewDisposeScope();
        var (loss, _, _) = _discriminatorStep.Run(_labeled, _classes, _unlabeled, instanceNoise: 0);
        _movingAverage.Update();
        return loss;
    }

    [Benchmark]
    public double GeneratorStep()
    {
        using var scope = NewDisposeScope();
        return _generatorStep.Run(_unlabeled);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _discriminatorStep.Dispose();
        _generatorStep.Dispose();
        _discriminator.Dispose();
        _average.Dispose();
        _generator.Dispose();
        _random.Dispose();
    }
}
