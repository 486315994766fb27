// mlgan: train, evaluate and use semi-supervised GAN classifiers from the command line. Run `mlgan --help`.
using Microsoft.ML.Gan.Cli;

return MlganCli.Run(args, Console.Out, Console.Error);
