// End-to-end benchmarks of Microsoft.ML.Gan on MNIST. Each prints a table and writes it under docs/benchmarks/.
//
//   dotnet run -c Release --project test/Microsoft.ML.Gan.Benchmarks -- curve [epochs 45] [threads 2] [seed 1] [mlp|conv|vbn] [random|official] [Option=value ...]
//       MNIST with 100 labels, all 60,000 training images unlabeled, default options (of the architecture): test error
//       and seconds per epoch. "official" keeps the paper's own 100 labels (its code's NumPy data seed 1) for any weight seed.
//       Option=value pairs set trainer options by name (e.g. OneSidedLabelSmoothing=0.9) and name the report after them.
//   dotnet run -c Release --project test/Microsoft.ML.Gan.Benchmarks -- seeds [epochs 45] [rows=N] [name=text] [reference=docs/benchmarks/seeds-xxx.json] [runs=a,b] [report-only] [Option=value ...]
//       The seed protocol: MNIST with 100 labels on six label sets (the paper's, KeepLabelsPerClass seeds 1-5; one torch thread
//       each, two at a time, as child processes) and the paper's labels again with two threads alone. Every run checkpoints each
//       epoch under artifacts/seeds/<name>/; the same command again resumes unfinished runs. Writes docs/benchmarks/seeds-<name>.md
//       and .json: error per epoch, mean/std/best/worst at epochs 10/20/30/last, time to 2.0% and 1.5%, collapses, and a
//       verdict against the reference results ("no worse" or "worse"). rows=N trains on the first N images (development);
//       runs=paper-labels,seed-1 trains and reports only those runs (the long run: seeds 300 runs=paper-labels);
//       report-only writes the report of the epochs done so far without training.
//   dotnet run -c Release --project test/Microsoft.ML.Gan.Benchmarks -- scoring [epochs 1] [threads 2]
//       Scoring throughput over the 10,000 test images (fitted model, reloaded model.zip, raw ONNX Runtime) of a model
//       trained in the same run, and single-prediction latency.
//   dotnet run -c Release --project test/Microsoft.ML.Gan.Benchmarks -- speed [epochs 3] [threads 2, or free: the default, following the free cores] [Option=value ...]
//       Seconds per epoch of the default MNIST setup, achieved GFLOP/s and the same-run matrix-multiply rate, with MKL's
//       fast path on AMD on and off (MLGAN_MKL_FAST_PATH=0 runs the training itself on the slow path).
//   dotnet run -c Release --project test/Microsoft.ML.Gan.Benchmarks -- forward-pieces [turns 7] [threads 2]
//       The default discriminator's training pass over a step's 300 rows beside each of its pieces alone (products,
//       noise, the direction's cast and norm, elementwise operations, one TorchSharp call), alternating.
//   dotnet run -c Release --project test/Microsoft.ML.Gan.Benchmarks -- memory [seconds 40]
//       Peak resident memory as the data grows (100k, 500k, 2M distorted MNIST rows), in memory and streamed.
//   dotnet run -c Release --project test/Microsoft.ML.Gan.Benchmarks -- soak [model.zip] [predictions 1000000]
//       Resident memory over a million single-row predictions; 8 threads' scores against serial scoring. Exits with 1
//       when memory rises more than 5% or a concurrent score differs.
//   dotnet run -c Release --project test/Microsoft.ML.Gan.Benchmarks -- generator-quality [epochs 3] [threads 2] [feature network epochs 3]
//       Inception score, FID on a supervised MLP's last hidden layer, pixel-space Fréchet distance and MS-SSIM of 10,000
//       generated digits against the real test set, next to 10,000 real training digits.
//   dotnet run -c Release --project test/Microsoft.ML.Gan.Benchmarks -- paper-table [epochs 10] [seeds 3]
//       [parts table,ensemble,ablation,baselines] [training rows 60000] [ensemble size 3] [ensemble seeds 3] [threads 2]
//       [report paper-table.md]
//       The paper's MNIST table (20-200 labels) within an epoch budget, an ablation at 100 labels, ML.NET baselines.
//       A part may say what it covers: "table:5+10" (labels per class), "ablation:10+9" (rows, in that order).
//   dotnet run -c Release --project test/Microsoft.ML.Gan.Benchmarks -- fashion [MLP epochs 2] [conv epochs 1] [conv width 16]
//       [training rows 60000] [seeds 3] [parts mlp,lbfgs,conv,sdca] [threads 1] [report fashion-mnist.md]
//       [data /usr/share/datasets/fashion-mnist]
//       Fashion-MNIST with 100 and 1,000 labels: the GAN (MLP, convolutional) against ML.NET trainers on the same labels.
//       A part may say which labels per class it covers: "conv:10+100".
//   dotnet run -c Release --project test/Microsoft.ML.Gan.Benchmarks -- tabular [seeds 3] [steps 0] [max rows 10000]
//       [tables shuttle,dna,vowel,vehicle] [parts gan-raw,gan-minmax,lbfgs,sdca,lightgbm,self-training] [threads 1]
//       [report tabular.md] [defaults tabular|mnist] [Option=value ...]
//       The four UCI tables of ../shared/data/tabular with 10 labels per class: the GAN on raw and min-max features against
//       ML.NET trainers on the same labels and self-training. The GAN starts from Options.ForTabular (or new Options()),
//       and trains for at least the given steps (0: the defaults' MaxEpoch). "mnist 500 ... FeatureScaling=None" is the
//       behaviour before the trainer handled the features' scale.
//   dotnet run -c Release --project test/Microsoft.ML.Gan.Benchmarks -- fuzz [cases 1000]
//       Randomly damaged model.zip and ONNX files: every case must load or throw a managed exception. Exits with 1 when
//       a case crashes the process or hangs (> 20 s).
using Microsoft.ML.Gan;
using Microsoft.ML.Gan.Benchmarks;

string command = args.Length > 0 ? args[0] : "curve";
string outputDirectory = Path.Combine(Repository.Root, "docs", "benchmarks");
Directory.CreateDirectory(outputDirectory);
switch (command)
{
    case "curve":
        LearningCurveBenchmark.Run(args.Length > 1 ? int.Parse(args[1]) : 45, args.Length > 2 ? int.Parse(args[2]) : 2, args.Length > 3 ? int.Parse(args[3]) : 1,
            args.Length > 4 ? args[4] : "mlp", args.Length > 5 && args[5] == "official", args.Skip(6).ToArray(), outputDirectory);
        break;
    case "seeds":
        return SeedsBenchmark.Run(args[1..], outputDirectory);
    case "seeds-run":
        return SeedRunner.Run(args[1], args[2..]);
    case "scoring":
        ScoringBenchmark.Run(args.Length > 1 ? int.Parse(args[1]) : 1, args.Length > 2 ? int.Parse(args[2]) : 2, outputDirectory);
        break;
    case "forward-pieces":
        ForwardPiecesBenchmark.Run(args.Length > 1 ? int.Parse(args[1]) : 7, args.Length > 2 ? int.Parse(args[2]) : 2, outputDirectory);
        return 0;
    case "speed":
        SpeedBenchmark.Run(args.Length > 1 ? int.Parse(args[1]) : 3, args.Length > 2 ? SpeedBenchmark.ParseThreads(args[2]) : 2, args.Skip(3).ToArray(), outputDirectory);
        break;
    case "memory":
        MemoryBenchmark.Run(args.Length > 1 ? int.Parse(args[1]) : 40, outputDirectory);
        break;
    case "soak":
        return SoakBenchmark.Run(args.Length > 1 ? args[1] : Path.Combine(Repository.Root, "artifacts", "mnist-100-seed1.zip"), args.Length > 2 ? int.Parse(args[2]) : 1_000_000, outputDirectory);
    case "generator-quality":
        GeneratorQualityBenchmark.Run(args.Length > 1 ? int.Parse(args[1]) : 3, args.Length > 2 ? int.Parse(args[2]) : 2, args.Length > 3 ? int.Parse(args[3]) : 3,
            outputDirectory);
        break;
    case "paper-table":
        PaperTableBenchmark.Run(args.Length > 1 ? int.Parse(args[1]) : 10, args.Length > 2 ? int.Parse(args[2]) : 3,
            args.Length > 3 ? args[3] : "table,ensemble,ablation,baselines", args.Length > 4 ? int.Parse(args[4]) : 60_000,
            args.Length > 5 ? int.Parse(args[5]) : 3, args.Length > 6 ? int.Parse(args[6]) : 3, args.Length > 7 ? int.Parse(args[7]) : 2,
            args.Length > 8 ? args[8] : "paper-table.md", outputDirectory);
        break;
    case "fashion":
        FashionBenchmark.Run(args.Length > 1 ? int.Parse(args[1]) : 2, args.Length > 2 ? int.Parse(args[2]) : 1, args.Length > 3 ? int.Parse(args[3]) : 16,
            args.Length > 4 ? int.Parse(args[4]) : 60_000, args.Length > 5 ? int.Parse(args[5]) : 3, args.Length > 6 ? args[6] : "mlp,lbfgs,conv,sdca",
            args.Length > 7 ? int.Parse(args[7]) : 1, args.Length > 8 ? args[8] : "fashion-mnist.md",
            args.Length > 9 ? args[9] : FashionBenchmark.PackageDirectory, outputDirectory);
        break;
    case "tabular":
        TabularBenchmark.Run(args.Length > 1 ? int.Parse(args[1]) : 3, args.Length > 2 ? int.Parse(args[2]) : 0, args.Length > 3 ? int.Parse(args[3]) : 10_000,
            args.Length > 4 ? args[4] : "shuttle,dna,vowel,vehicle", args.Length > 5 ? args[5] : "gan-raw,gan-minmax,lbfgs,sdca,lightgbm,self-training",
            args.Length > 6 ? int.Parse(args[6]) : 1, args.Length > 7 ? args[7] : "tabular.md", args.Length > 8 ? args[8] : "tabular", args.Skip(9).ToArray(), outputDirectory);
        break;
    case "fuzz":
        return FuzzBenchmark.Run(args.Length > 1 ? int.Parse(args[1]) : 1000, outputDirectory);
    case "fuzz-run":
        return FuzzBenchmark.RunCases(args[1], args[2], int.Parse(args[3]), int.Parse(args[4]));
    case "matmul-run":
        return MatmulRate.RunChild(int.Parse(args[1]), args[2] == "square");
    case "memory-run":
        return MemoryBenchmark.RunOne(long.Parse(args[1]), args[2] == "streamed", int.Parse(args[3]));
    default:
        Console.Error.WriteLine($"Unknown benchmark '{command}'; use 'curve', 'seeds', 'scoring', 'speed', 'forward-pieces', 'memory', 'soak', 'generator-quality', 'paper-table', 'fashion', 'tabular' or 'fuzz'.");
        return 2;
}
return 0;
