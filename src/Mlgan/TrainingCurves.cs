using ScottPlot;

namespace Microsoft.ML.Gan.Cli;

/// <summary>
/// Draws the training curves as a PNG (ScottPlot): discriminator and generator losses, and the labeled-batch accuracy
/// and validation error in percent, one point per epoch. <see cref="Add"/> redraws the file after each epoch.
/// </summary>
internal sealed class TrainingCurves(string path)
{
    private readonly List<GanTrainingProgress> _epochs = [];

    public void Add(GanTrainingProgress progress)
    {
        _epochs.Add(progress);
        double[] epochs = _epochs.Select(p => (double)p.Epoch).ToArray();
        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        var losses = multiplot.GetPlot(0);
        losses.Add.Scatter(epochs, _epochs.Select(p => p.DiscriminatorLoss).ToArray()).LegendText = "discriminator loss";
        losses.Add.Scatter(epochs, _epochs.Select(p => p.GeneratorLoss).ToArray()).LegendText = "generator loss";
        losses.Axes.Bottom.Label.Text = "epoch";
        losses.ShowLegend();
        var errors = multiplot.GetPlot(1);
        errors.Add.Scatter(epochs, _epochs.Select(p => 100 * (1 - p.LabeledAccuracy)).ToArray()).LegendText = "labeled-batch error (%)";
        if (_epochs.Any(p => p.ValidationError is not null))
        {
            var validated = _epochs.Where(p => p.ValidationError is not null).ToArray();
            errors.Add.Scatter(validated.Select(p => (double)p.Epoch).ToArray(), validated.Select(p => 100 * p.ValidationError!.Value).ToArray()).LegendText = "validation error (%)";
        }
        errors.Axes.Bottom.Label.Text = "epoch";
        errors.ShowLegend();
        string temporary = path + ".tmp.png";
        multiplot.SavePng(temporary, 900, 700);
        File.Move(temporary, path, overwrite: true);
    }
}
