using Microsoft.ML.Gan.IO;
using SkiaSharp;

namespace Microsoft.ML.Gan.Cli;

/// <summary>
/// Draws the training curves as a PNG with SkiaSharp (the 2.88 line that ML.NET's image transforms use): the
/// discriminator and generator losses in the upper panel, the labeled-batch and validation errors in percent in the
/// lower one, one point per epoch (an ensemble's members one after another). <see cref="Add"/> redraws the file,
/// atomically, after each epoch, and writes the epoch's generator samples, when the report has some and they are square
/// images, as samples-epoch-N.png beside it (N counted over the members).
/// </summary>
internal sealed class TrainingCurves(string path)
{
    private const int Width = 900, PanelHeight = 320, Margin = 60;
    private static readonly SKColor[] Colors = [new(31, 119, 180), new(255, 127, 14)];
    private readonly List<GanTrainingProgress> _epochs = [];

    public void Add(GanTrainingProgress progress)
    {
        _epochs.Add(progress);
        if (progress.Samples.Count > 0 && ImageFiles.Square(progress.Samples[0].Length) is { } shape)
            ImageFiles.WriteGrid(Path.Combine(Path.GetDirectoryName(path)!, $"samples-epoch-{progress.OverallEpoch:D3}.png"), progress.Samples, shape);
        using var surface = SKSurface.Create(new SKImageInfo(Width, 2 * PanelHeight));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        DrawPanel(canvas, 0, "loss",
            [("discriminator loss", _epochs.Select(p => (p.OverallEpoch, p.DiscriminatorLoss)).ToArray()),
             ("generator loss", _epochs.Select(p => (p.OverallEpoch, p.GeneratorLoss)).ToArray())]);
        DrawPanel(canvas, PanelHeight, "error (%)",
            [("labeled-batch error", _epochs.Select(p => (p.OverallEpoch, 100 * (1 - p.LabeledAccuracy))).ToArray()),
             ("validation error", _epochs.Where(p => p.ValidationError is not null).Select(p => (p.OverallEpoch, 100 * p.ValidationError!.Value)).ToArray())]);
        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        string temporary = path + ".tmp";
        using (var file = File.Create(temporary))
            png.SaveTo(file);
        File.Move(temporary, path, overwrite: true);
    }

    private void DrawPanel(SKCanvas canvas, float top, string title, (string Name, (int Epoch, double Value)[] Points)[] series)
    {
        var area = new SKRect(Margin, top + 30, Width - 20, top + PanelHeight - 40);
        var all = series.SelectMany(s => s.Points).ToArray();
        double low = Math.Min(0, all.Min(p => p.Value)), high = Math.Max(all.Max(p => p.Value), low + 1e-6);
        int lastEpoch = Math.Max(2, _epochs[^1].OverallEpoch);
        float X(double epoch) => area.Left + (float)((epoch - 1) / (lastEpoch - 1)) * area.Width;
        float Y(double value) => area.Bottom - (float)((value - low) / (high - low)) * area.Height;

        using var text = new SKPaint { Color = SKColors.Black, TextSize = 14, IsAntialias = true };
        using var grid = new SKPaint { Color = new SKColor(220, 220, 220), StrokeWidth = 1 };
        using var axis = new SKPaint { Color = SKColors.Black, StrokeWidth = 1, Style = SKPaintStyle.Stroke };
        canvas.DrawText(title, area.Left, top + 20, text);
        for (int tick = 0; tick <= 4; tick++)
        {
            double value = low + (high - low) * tick / 4;
            canvas.DrawLine(area.Left, Y(value), area.Right, Y(value), grid);
            canvas.DrawText(value.ToString("G3"), 5, Y(value) + 5, text);
        }
        canvas.DrawRect(area, axis);
        canvas.DrawText("epoch 1", area.Left, area.Bottom + 20, text);
        canvas.DrawText($"epoch {lastEpoch}", area.Right - 70, area.Bottom + 20, text);
        for (int s = 0; s < series.Length; s++)
        {
            using var line = new SKPaint { Color = Colors[s], StrokeWidth = 2, IsAntialias = true, Style = SKPaintStyle.Stroke };
            var points = series[s].Points;
            if (points.Length == 0)
                continue;
            for (int i = 1; i < points.Length; i++)
                canvas.DrawLine(X(points[i - 1].Epoch), Y(points[i - 1].Value), X(points[i].Epoch), Y(points[i].Value), line);
            foreach (var (epoch, value) in points)
                canvas.DrawCircle(X(epoch), Y(value), 3, line);
            using var label = new SKPaint { Color = Colors[s], TextSize = 14, IsAntialias = true };
            canvas.DrawText(series[s].Name, area.Right - 200, area.Top + 20 + 18 * s, label);
        }
    }
}
