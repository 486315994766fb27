// BenchmarkDotNet measurements of the hot kernels: one training step of each network at the paper's MNIST sizes, one
// fill of the discriminator's Gaussian noise, and scoring one batch through the fitted model.
//
//   dotnet run -c Release --project test/Microsoft.ML.Gan.Kernels -- --filter '*'
using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
