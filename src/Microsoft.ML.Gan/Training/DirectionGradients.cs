using Microsoft.ML.Gan.Networks;
using TorchSharp.Modules;

namespace Microsoft.ML.Gan.Training;

/// <summary>
/// A training step's weight-normalised layers whose directions' gradients come in one pass
/// (<see cref="WeightNormDense.DirectionGradientInOnePass"/>, on while this object lives): after each backward pass
/// <see cref="Take"/> collects the gradients as their terms for <see cref="Adam.Step"/>, which writes each where it reads
/// it and, after updating v, the rows of the layer's next leaves and folded weight (<see cref="UpdatedDirectionRows"/>),
/// and <see cref="Release"/> frees them after the update.
/// </summary>
internal sealed class DirectionGradients : IDisposable
{
    private readonly WeightNormDense[] _layers;
    private readonly Dictionary<Parameter, DirectionGradientTerms> _terms = new(ReferenceEqualityComparer.Instance);

    /// <summary>Turns the one-pass gradient on for <paramref name="layers"/>.</summary>
    public DirectionGradients(IEnumerable<WeightNormDense> layers)
    {
        _layers = layers.ToArray();
        foreach (var layer in _layers)
            layer.DirectionGradientInOnePass = true;
    }

    /// <summary>The terms of each layer's direction gradient after the backward pass, by direction.</summary>
    public IReadOnlyDictionary<Parameter, DirectionGradientTerms> Take()
    {
        Release();
        foreach (var layer in _layers)
        {
            if (layer.TakeDirectionGradient() is { } terms)
            {
                // Only Adam's one-pass update writes them.
                terms.UpdatedRows = Adam.OnePassIsExact ? layer.PrepareUpdatedRows() : null;
                _terms[layer.Direction] = terms;
            }
        }
        return _terms;
    }

    /// <summary>Frees the terms of the last <see cref="Take"/>.</summary>
    public void Release()
    {
        foreach (var terms in _terms.Values)
            terms.Dispose();
        _terms.Clear();
    }

    /// <summary>Frees the terms and turns the one-pass gradient off again.</summary>
    public void Dispose()
    {
        Release();
        foreach (var layer in _layers)
            layer.DirectionGradientInOnePass = false;
    }
}
