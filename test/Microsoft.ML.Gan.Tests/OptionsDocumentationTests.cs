using System.Reflection;
using System.Text.RegularExpressions;

namespace Microsoft.ML.Gan.Tests;

/// <summary>docs/options.md documents every field of the trainer's options exactly once, and nothing else as an option.</summary>
[TestClass]
public sealed partial class OptionsDocumentationTests
{
    [GeneratedRegex(@"^\| `(\w+)` \|", RegexOptions.Multiline)]
    private static partial Regex OptionRow();

    [TestMethod]
    public void EveryOptionHasExactlyOneRowInTheOptionsPage()
    {
        string page = File.ReadAllText(Path.Combine(TestData.RepositoryRoot(), "docs", "options.md"));
        var rows = OptionRow().Matches(page).Select(m => m.Groups[1].Value).ToList();
        var fields = typeof(SemiSupervisedGanTrainer.Options).GetFields(BindingFlags.Public | BindingFlags.Instance).Select(f => f.Name).ToList();

        Assert.IsGreaterThan(50, fields.Count, "the options found by reflection");
        CollectionAssert.AreEquivalent(fields, rows,
            $"missing: {string.Join(", ", fields.Except(rows))}; not options: {string.Join(", ", rows.Except(fields))}; "
            + $"twice: {string.Join(", ", rows.GroupBy(r => r).Where(g => g.Count() > 1).Select(g => g.Key))}");
    }
}
