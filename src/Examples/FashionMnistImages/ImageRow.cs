using Microsoft.ML.Data;

namespace FashionMnistImages;

/// <summary>One line of the CSV files the example writes: an image file relative to its folder and its class name (empty = unlabeled).</summary>
internal sealed class ImageRow
{
    [LoadColumn(0)]
    public string ImagePath { get; set; } = "";

    [LoadColumn(1)]
    public string Label { get; set; } = "";
}
