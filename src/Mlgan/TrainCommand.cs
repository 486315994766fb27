using System.CommandLine;
using System.Diagnostics;
using Microsoft.ML.Data;
using Microsoft.ML.Gan.Trainers;
using Microsoft.ML.Gan.Training;
using Microsoft.ML.Transforms;

namespace Microsoft.ML.Gan.Cli;

/// <summary><c>mlgan train</c>: fits MapValueToKey + the semi-supervised GAN + MapKeyToValue and saves model.zip.</summary>
internal static class TrainCommand
{
    public static System.CommandLine.Command Create(TextWriter output)
    {
        var data = new DataSource("", "training");
        var test = new DataSource("test-", "test", data);
        var model = new Option<FileInfo>("--model") { Description = "Where to save the trained model.", DefaultValueFactory = _ => new FileInfo("model.zip") };
        var onnx = new Option<FileInfo?>("--onnx") { Description = "Also write the classifier as an ONNX model (batched: Features [N, d] -> Score, PredictedLabel)." };
        var generatorFile = new Option<FileInfo?>("--generator") { Description = "Also write the trained generator as an ONNX model, for 'mlgan generate'." };
        var rows = new Option<long?>("--rows") { Description = "Use only the first N rows of the training data." };
        var labelsPerClass = new Option<int?>("--labels-per-class") { Description = "Keep only this many labels per class (seeded by --seed); the rest become unlabeled rows." };
        var epochs = new Option<int?>("--epochs") { Description = "Passes over the data (default: 20; for --csv the tabular rule, at least 500 steps of --batch-size, 10-300 epochs)." };
        var batch = new Option<int>("--batch-size") { Description = "Rows per minibatch.", DefaultValueFactory = _ => 100 };
        var seed = new Option<int>("--seed") { Description = "Seed of the label subset, the weights and the minibatch order.", DefaultValueFactory = _ => 1 };
        var hidden = new Option<string?>("--hidden") { Description = "Widths of the discriminator's hidden layers (mlp; default 1000,500,250,250,250, for --csv 250,250,250)." };
        var generatorHidden = new Option<string?>("--generator-hidden") { Description = "Widths of the generator's hidden layers (mlp; default 500,500, for --csv 250,250)." };
        var architecture = new Option<string>("--architecture") { Description = "The networks: mlp (dense layers, --hidden and --generator-hidden) or conv (convolutions on the images, --conv-width).", DefaultValueFactory = _ => "mlp" };
        var convWidth = new Option<int>("--conv-width") { Description = "Channel multiplier w of the conv architecture, a multiple of 16: the discriminator's convolutions have w and 2w channels.", DefaultValueFactory = _ => 16 };
        var noise = new Option<int>("--noise-size") { Description = "Length of the generator's noise vector.", DefaultValueFactory = _ => 100 };
        var threads = new Option<int?>("--threads") { Description = "Torch threads (default: all cores)." };
        var checkpoints = new Option<DirectoryInfo?>("--checkpoints") { Description = "Write a checkpoint to this directory after every epoch." };
        var resume = new Option<DirectoryInfo?>("--resume") { Description = "Continue from the checkpoint in this directory." };
        var plots = new Option<DirectoryInfo?>("--plots") { Description = "After every epoch, draw the training curves (training-curves.png) and 64 generator samples (samples-epoch-N.png) into this directory." };
        var plain = new Option<bool>("--plain") { Description = "One line per epoch instead of a progress bar." };
        var ensemble = new Option<int?>("--ensemble") { Description = "Discriminators trained one after another whose class probabilities the model averages (EnsembleSize; default 1, for --csv 5); N times the training time." };
        var precision = new Option<MatrixMultiplyPrecision?>("--precision") { Description = "Number format of the dense layers' products while training: Auto (bfloat16 on a CPU with bfloat16 instructions, else float32), Single (float32 on every machine) or BFloat16 (MatrixMultiplyPrecision; default Auto, for --csv Single)." };
        var conditional = new Option<bool>("--conditional") { Description = "Train a class-conditional generator ('mlgan generate' then draws one row per class)." };

        var command = new System.CommandLine.Command("train", "Train a classifier from labeled and unlabeled rows and save it as model.zip.");
        foreach (var option in data.Options().Concat(test.Options(shared: false)))
            command.Add(option);
        foreach (Option option in new Option[] { model, onnx, generatorFile, rows, labelsPerClass, epochs, batch, seed, architecture, convWidth, hidden, generatorHidden, noise, threads, checkpoints, resume, plots, plain, ensemble, precision, conditional })
            command.Add(option);

        command.SetAction(parsed =>
        {
            var networks = Architecture(parsed.GetValue(architecture)!);
            int width = parsed.GetValue(convWidth);
            if (width <= 0 || width % OptionsValidation.ConvolutionalWidthStep != 0)
                throw new ArgumentException($"--conv-width {width}: expected a positive multiple of {OptionsValidation.ConvolutionalWidthStep} channels, e.g. 16 or 32.");
            if (networks == GanArchitecture.Convolutional && data.ImageSize(parsed) is int side && side < OptionsValidation.MinimumImageSide)
                throw new ArgumentException($"--image-size {side}: the conv architecture needs images of at least {OptionsValidation.MinimumImageSide}x{OptionsValidation.MinimumImageSide} pixels.");
            var ml = new MLContext(parsed.GetValue(seed));
            var train = data.Load(ml, parsed, training: true);
            if (parsed.GetValue(rows) is long count)
                train = ml.Data.TakeRows(train, count);
            if (parsed.GetValue(labelsPerClass) is int perClass)
            {
                if (train.Schema["Label"].Type is Microsoft.ML.Data.TextDataViewType)
                    throw new ArgumentException($"--labels-per-class {perClass}: the label column holds class names, and only numeric labels can be subsampled; leave the label cell empty on the rows that should be unlabeled instead.");
                train = ml.Data.KeepLabelsPerClass(train, perClass, parsed.GetValue(seed));
            }
            // Tabular rows get the tabular defaults (Options.ForTabular); everything else the MNIST ones, 20 epochs.
            var options = data.IsCsv(parsed)
                ? SemiSupervisedGanTrainer.Options.ForTabular(CountRows(train), parsed.GetValue(batch))
                : new SemiSupervisedGanTrainer.Options { MaxEpoch = 20, BatchSize = parsed.GetValue(batch) };
            options.MaxEpoch = parsed.GetValue(epochs) ?? options.MaxEpoch;
            options.Seed = parsed.GetValue(seed);
            options.Architecture = networks;
            options.ConvolutionalWidth = width;
            options.DiscriminatorHiddenSizes = parsed.GetValue(hidden) is string h ? Widths(h, "--hidden") : options.DiscriminatorHiddenSizes;
            options.GeneratorHiddenSizes = parsed.GetValue(generatorHidden) is string g ? Widths(g, "--generator-hidden") : options.GeneratorHiddenSizes;
            options.NoiseSize = parsed.GetValue(noise);
            options.NumberOfThreads = parsed.GetValue(threads);
            options.CheckpointDirectory = parsed.GetValue(checkpoints)?.FullName;
            options.ResumeFromCheckpoint = parsed.GetValue(resume)?.FullName;
            options.EnsembleSize = parsed.GetValue(ensemble) ?? options.EnsembleSize;
            options.MatrixMultiplyPrecision = parsed.GetValue(precision) ?? options.MatrixMultiplyPrecision;
            options.ConditionalGenerator = parsed.GetValue(conditional);
            var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
                .Append(ml.Gan.SemiSupervised(options))
                .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
            var clock = Stopwatch.StartNew();
            TrainingCurves? curves = null;
            if (parsed.GetValue(plots) is DirectoryInfo plotDirectory)
            {
                plotDirectory.Create();
                curves = new TrainingCurves(Path.Combine(plotDirectory.FullName, "training-curves.png"));
                options.ProgressSampleCount = 64;
            }
            TransformerChain<KeyToValueMappingTransformer> fitted;
            using (var interrupt = new Interruption(output))
            {
                options.CancellationToken = interrupt.Token;
                try
                {
                    fitted = TrainingDisplay.Run(output, parsed.GetValue(plain), options, () => pipeline.Fit(train), curves is null ? null : curves.Add);
                }
                catch (OperationCanceledException) when (interrupt.Token.IsCancellationRequested)
                {
                    ReportInterruption(output, options.CheckpointDirectory, options.EnsembleSize, parsed.Tokens.Select(t => t.Value).ToArray());
                    return MlganCli.Interrupted;
                }
            }
            using var trained = fitted;
            output.WriteLine($"Trained in {clock.Elapsed.TotalSeconds:F0} s.");

            string path = parsed.GetValue(model)!.FullName;
            ml.Model.SaveAtomically(fitted, train.Schema, path);
            output.WriteLine($"Saved {path}");
            var gan = fitted.OfType<SemiSupervisedGanTransformer>().Single();
            if (parsed.GetValue(onnx) is FileInfo onnxFile)
            {
                gan.SaveOnnx(onnxFile.FullName);
                output.WriteLine($"Saved {onnxFile.FullName}");
            }
            if (parsed.GetValue(generatorFile) is FileInfo generatorOnnx)
            {
                gan.SaveGeneratorOnnx(generatorOnnx.FullName);
                output.WriteLine($"Saved {generatorOnnx.FullName}");
            }
            if (test.IsGiven(parsed))
                EvaluateCommand.Report(ml, fitted, test.Load(ml, parsed, train.Schema["Label"].Type is Microsoft.ML.Data.TextDataViewType), output);
            return MlganCli.Success;
        });
        return command;
    }

    private static long CountRows(IDataView data)
    {
        long rows = 0;
        using var cursor = data.GetRowCursor([]);
        while (cursor.MoveNext())
            rows++;
        return rows;
    }

    /// <summary>
    /// Says where training stopped: the epoch (and, of an ensemble of <paramref name="ensembleSize"/>, the member) of the
    /// last checkpoint in <paramref name="checkpoints"/> and the command that resumes from it (<paramref name="arguments"/>
    /// with --resume set to that directory), or that nothing can be resumed.
    /// </summary>
    internal static void ReportInterruption(TextWriter output, string? checkpoints, int ensembleSize, string[] arguments)
    {
        if (checkpoints is null || LastCheckpoint(checkpoints, ensembleSize) is not (string file, int member))
        {
            output.WriteLine(checkpoints is null
                ? "Training interrupted; nothing was saved. Add --checkpoints DIR to be able to resume an interrupted run."
                : "Training interrupted before the first epoch ended; no checkpoint was written.");
            return;
        }
        int epoch;
        using (var checkpoint = TrainingCheckpoint.Read(file, null))
            epoch = checkpoint.Epoch;
        var resume = new List<string> { "mlgan" };
        for (int i = 0; i < arguments.Length; i++)
        {
            if (arguments[i] == "--resume")
                i++;
            else if (!arguments[i].StartsWith("--resume=", StringComparison.Ordinal))
                resume.Add(arguments[i]);
        }
        resume.AddRange(["--resume", checkpoints]);
        string where = ensembleSize == 1 ? $"epoch {epoch} is in {checkpoints}" : $"member {member + 1}/{ensembleSize}, epoch {epoch} is in {Path.GetDirectoryName(file)}";
        output.WriteLine($"Training interrupted; the checkpoint of {where}. Resume with:");
        output.WriteLine(string.Join(' ', resume.Select(Quote)));
    }

    /// <summary>The checkpoint file of the last ensemble member (from 0) that wrote one in <paramref name="checkpoints"/>, or null.</summary>
    private static (string File, int Member)? LastCheckpoint(string checkpoints, int ensembleSize)
    {
        for (int member = ensembleSize - 1; member >= 0; member--)
        {
            string directory = ensembleSize == 1 ? checkpoints : SemiSupervisedGanTrainer.Options.EnsembleMemberDirectory(checkpoints, member);
            string file = Path.Combine(directory, TrainingCheckpoint.FileName);
            if (File.Exists(file))
                return (file, member);
        }
        return null;
    }

    /// <summary>A shell word: as it is when it holds only safe characters, else in single quotes.</summary>
    private static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%".Contains(c)) ? word : "'" + word.Replace("'", "'\\''") + "'";

    private static GanArchitecture Architecture(string text) => text.Trim().ToLowerInvariant() switch
    {
        "mlp" => GanArchitecture.Mlp,
        "conv" => GanArchitecture.Convolutional,
        _ => throw new ArgumentException($"--architecture '{text}': expected mlp or conv."),
    };

    private static int[] Widths(string text, string option)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var widths = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], out widths[i]) || widths[i] <= 0)
                throw new ArgumentException($"{option} '{text}': expected positive layer widths separated by commas, e.g. 1000,500,250.");
        }
        return widths;
    }
}
