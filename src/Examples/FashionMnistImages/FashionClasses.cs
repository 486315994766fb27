namespace FashionMnistImages;

/// <summary>The names of Fashion-MNIST's ten classes, indexed by the label in its IDX files (0-9).</summary>
internal static class FashionClasses
{
    public static readonly string[] Names =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];
}
