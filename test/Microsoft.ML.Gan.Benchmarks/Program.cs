// End-to-end benchmarks of Microsoft.ML.Gan on MNIST. Each prints a table and writes it under docs/benchmarks/.
//
//   dotnet run -c Release --project test/Microsoft.ML.Gan.Benchmarks -- curve [epochs 45] [threads 2] [seed 1]
//       MNIST with 100 labels, all 60,000 training images unlabeled, default options: test error and seconds per epoch.
//   dotnet run -c Release --project test/Microsoft.ML.Gan.Benchmarks -- scoring [model.zip]
//       (default artifacts/mnist-100-seed1.zip written by 'curve', with its .onnx beside it)
//       Scoring throughput of a saved model over the 10,000 test images, and single-prediction latency.
using Microsoft.ML.Gan.Benchmarks;

string command = args.Length > 0 ? args[0] : "curve";
string outputDirectory = Path.Combine(Repository.Root, "docs", "benchmarks");
Directory.CreateDirectory(outputDirectory);
switch (command)
{
    case "curve":
        LearningCurveBenchmark.Run(args.Length > 1 ? int.Parse(args[1]) : 45, args.Length > 2 ? int.Parse(args[2]) : 2, args.Length > 3 ? int.Parse(args[3]) : 1, outputDirectory);
        break;
    case "scoring":
        ScoringBenchmark.Run(args.Length > 1 ? args[1] : Path.Combine(Repository.Root, "artifacts", "mnist-100-seed1.zip"), outputDirectory);
        break;
    default:
        Console.Error.WriteLine($"Unknown benchmark '{command}'; use 'curve' or 'scoring'.");
        return 2;
}
return 0;
