namespace FashionMnistImages;

/// <summary>The model's output for one image: the class name and the probability of each class.</summary>
internal sealed class FashionPrediction
{
    public string PredictedLabel { get; set; } = "";

    public float[] Score { get; set; } = [];
}
