namespace Microsoft.ML.Gan;

/// <summary>What the generator minimises.</summary>
public enum GeneratorObjective
{
    /// <summary>Feature matching (the paper's semi-supervised choice): the squared distance between the mean
    /// discriminator features of real and generated rows.</summary>
    FeatureMatching,

    /// <summary>The non-saturating GAN loss: -E log D(G(z)), D(x) = Z / (Z + 1) in the K+1 formulation.</summary>
    NonSaturating,

    /// <summary>The original minimax loss of Goodfellow et al. (2014): E log(1 - D(G(z))).</summary>
    Minimax,
}
