using System.Globalization;
using System.Reflection;

namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>Trainer options set by name from the command line: "OneSidedLabelSmoothing=0.9", "VirtualBatchNormalization=true", "DiscriminatorHiddenSizes=500+250" (widths joined by '+').</summary>
internal static class OptionOverrides
{
    /// <summary>Sets each "Name=value" on <paramref name="options"/>; an unknown name or a bad value throws, naming it.</summary>
    public static void Apply(SemiSupervisedGanTrainer.Options options, IEnumerable<string> overrides)
    {
        foreach (string pair in overrides)
        {
            int split = pair.IndexOf('=');
            if (split <= 0)
                throw new ArgumentException($"'{pair}' is not Option=value.");
            string name = pair[..split], text = pair[(split + 1)..];
            var field = typeof(SemiSupervisedGanTrainer.Options).GetField(name, BindingFlags.Public | BindingFlags.Instance)
                ?? throw new ArgumentException($"SemiSupervisedGanTrainer.Options has no option '{name}'.");
            var type = Nullable.GetUnderlyingType(field.FieldType) ?? field.FieldType;
            object value = type.IsEnum ? Enum.Parse(type, text, ignoreCase: true)
                : type == typeof(int[]) ? text.Split('+').Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToArray()
                : Convert.ChangeType(text, type, CultureInfo.InvariantCulture);
            field.SetValue(options, value);
        }
    }

    /// <summary>
    /// A file-name suffix for the overrides: "-OneSidedLabelSmoothing-0.9", or "" for none; characters a file name cannot
    /// hold become '_'. Where checkpoints go or come from does not change the run, so those options are left out.
    /// </summary>
    public static string Suffix(IEnumerable<string> overrides) =>
        string.Concat(overrides.Where(o => !o.StartsWith("CheckpointDirectory=") && !o.StartsWith("ResumeFromCheckpoint=")).Select(o => "-" + string.Concat(o.Replace('=', '-').Select(c => Path.GetInvalidFileNameChars().Contains(c) ? '_' : c))));
}
