using BenchmarkDotNet.Attributes;
using Microsoft.ML.Gan.Networks;
using Microsoft.ML.Gan.Training;
using Parameter = TorchSharp.Modules.Parameter;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Kernels;

/// <summary>
/// One step of each player at the paper's MNIST sizes (784 inputs, 10 classes, batches of 100), on random data:
/// the discriminator's step (labeled, unlabeled and generated batches, both losses, backward, Adam, parameter
/// average) and the generator's feature-matching step against the frozen discriminator, as the training loop runs them.
/// </summary>
[Config(typeof(KernelConfig))]
public class TrainingStepBenchmarks
{
    private const int Batch = 100;
    private Generator _random = null!;
    private MlpDiscriminator _discriminator = null!;
    private MlpDiscriminator _average = null!;
    private MlpGenerator _generator = null!;
    private Adam _discriminatorAdam = null!;
    private Adam _generatorAdam = null!;
    private ExponentialMovingAverage _movingAverage = null!;
    private Parameter[] _discriminatorParameters = [];
    private Tensor _labeled = null!;
    private Tensor _classes = null!;
    private Tensor _unlabeled = null!;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        set_num_threads(Threads);
        _random = new Generator(1);
        _discriminator = new MlpDiscriminator(784, [1000, 500, 250, 250, 250], 10, 0.3, 0.5, 0.1, _random, new GaussianNoiseSource(1));
        _average = new MlpDiscriminator(784, [1000, 500, 250, 250, 250], 10, 0.3, 0.5, 0.1, _random, new GaussianNoiseSource(1));
        _generator = new MlpGenerator(100, [500, 500], 784, _random);
        _labeled = rand(Batch, 784, generator: _random);
        _classes = randint(10, [Batch], generator: _random, dtype: ScalarType.Int64);
        _unlabeled = rand(Batch, 784, generator: _random);
        _discriminator.train();
        _generator.train();
        _discriminator.InitializeFrom(rand(500, 784, generator: _random));
        _discriminatorParameters = _discriminator.parameters().Where(p => p.requires_grad).ToArray();
        _discriminatorAdam = new Adam(_discriminatorParameters, 0.003, 0.5, 0.999);
        _generatorAdam = new Adam(_generator.parameters(), 0.003, 0.5, 0.999);
        _movingAverage = new ExponentialMovingAverage(_discriminator, _average, 1e-4);
    }

    [Benchmark]
    public float DiscriminatorStep()
    {
        using var scope = NewDisposeScope();
        Tensor generated;
        using (no_grad())
            generated = _generator.Sample(Batch, _random);
        var logits = _discriminator.forward(cat([_labeled, _unlabeled, generated], 0));
        var loss = SemiSupervisedLoss.Supervised(logits.narrow(0, 0, Batch), _classes)
            .add(SemiSupervisedLoss.Unsupervised(logits.narrow(0, Batch, Batch), logits.narrow(0, 2 * Batch, Batch)));
        _discriminatorAdam.ZeroGrad();
        loss.backward();
        _discriminatorAdam.Step();
        _movingAverage.Update();
        return loss.item<float>();
    }

    [Benchmark]
    public float GeneratorStep()
    {
        using var scope = NewDisposeScope();
        foreach (var p in _discriminatorParameters)
            p.requires_grad = false;
        _discriminator.FreezeWeights();
        Tensor real;
        using (no_grad())
            real = _discriminator.Features(_unlabeled);
        var loss = FeatureMatchingLoss.Compute(real, _discriminator.Features(_generator.Sample(Batch, _random)));
        _generatorAdam.ZeroGrad();
        loss.backward();
        _generatorAdam.Step();
        foreach (var p in _discriminatorParameters)
            p.requires_grad = true;
        _discriminator.ThawWeights();
        return loss.item<float>();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _discriminatorAdam.Dispose();
        _generatorAdam.Dispose();
        _discriminator.Dispose();
        _average.Dispose();
        _generator.Dispose();
        _random.Dispose();
    }
}
