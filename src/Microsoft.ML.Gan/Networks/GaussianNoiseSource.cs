using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Microsoft.ML.Gan.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Gan.Networks;

/// <summary>
/// The standard normal numbers of the discriminator's Gaussian noise layers, from a counter-based generator: value i of
/// draw d depends only on (seed, d, i). Each pair of values is Box-Muller on two uniforms hashed from the pair's index
/// with keys derived from (seed, d), computed eight pairs at a time with 256-bit vectors, or sixteen with 512-bit vectors
/// where the CPU has them (the same operations lane by lane, so the same values). With 256-bit vectors it is about four
/// times faster than libtorch's normal generator (one Mersenne Twister and scalar Box-Muller), which took a tenth to a
/// fifth of a training step; 512-bit vectors halve its time again. A large tensor is shared among libtorch's own OpenMP
/// threads (<see cref="OpenMpTeam"/>), in contiguous ranges whose values do not depend on which thread fills them. A
/// checkpoint restores it by its draw count alone. Tensors on other devices are filled on the CPU and copied.
/// </summary>
internal sealed class GaussianNoiseSource
{
    /// <summary>Values per block; a fill's blocks can be filled in any ranges.</summary>
    internal const int Block = 16;

    /// <summary>
    /// Fills of fewer values stay on the calling thread. On a 2-core AMD EPYC the best of 1,000 two-thread fills took
    /// 0.48-0.59 of the one-thread time from 25,000 values up, and 0.67-0.73 at 8,192-16,384 (docs/performance.md).
    /// </summary>
    internal const int ParallelMinimum = 1 << 15;

    public GaussianNoiseSource(int seed) => Seed = seed;

    /// <summary>The seed; with <see cref="Draws"/> it is the whole state, so a resumed run sets both.</summary>
    public int Seed { get; set; }

    /// <summary>Tensors drawn so far; the next draw's keys derive from it.</summary>
    public long Draws { get; set; }

    /// <summary>A new tensor of <paramref name="shape"/> with independent N(0, 1) values.</summary>
    public Tensor Normal(long[] shape, Device device)
    {
        var cpu = empty(shape, ScalarType.Float32);
        Fill(MemoryMarshal.Cast<byte, float>(cpu.bytes), Draws++);
        if (device.type == DeviceType.CPU)
            return cpu;
        using (cpu)
            return cpu.to(device);
    }

    /// <summary>
    /// Fills <paramref name="values"/> with draw number <paramref name="draw"/>: on the calling thread below
    /// <see cref="ParallelMinimum"/> values, otherwise on as many threads as libtorch uses, at most one per processor.
    /// </summary>
    internal void Fill(Span<float> values, long draw) =>
        Fill(values, draw, values.Length < ParallelMinimum ? 1 : Math.Min(get_num_threads(), Environment.ProcessorCount));

    /// <summary>
    /// Fills <paramref name="values"/> with draw number <paramref name="draw"/> on up to <paramref name="workers"/>
    /// threads, which take contiguous ranges of blocks; the values do not depend on which thread filled which range.
    /// </summary>
    internal unsafe void Fill(Span<float> values, long draw, int workers)
    {
        var keys = KeysOf(draw);
        int blocks = (values.Length + Block - 1) / Block;
        if (workers <= 1 || blocks <= 1)
        {
            FillBlocks(values, 0, keys);
            return;
        }
        fixed (float* start = values)
        {
            var (address, length) = ((nint)start, values.Length);
            OpenMpTeam.For(blocks, (firstBlock, endBlock) => FillBlocks(
                new Span<float>((float*)address + firstBlock * Block, Math.Min(endBlock * Block, length) - firstBlock * Block), firstBlock, keys), threads: workers);
        }
    }

    /// <summary>
    /// Takes the next draw for a caller that fills its blocks itself, in any ranges (<see cref="FillBlocks"/>): the keys of
    /// draw <see cref="Draws"/>, which it advances.
    /// </summary>
    internal Keys NextKeys() => KeysOf(Draws++);

    private Keys KeysOf(long draw)
    {
        ulong state = (uint)Seed ^ (0x9E3779B97F4A7C15UL * (ulong)(draw + 1));
        ulong first = SplitMix64(ref state), second = SplitMix64(ref state);
        return new Keys((uint)first, (uint)(first >> 32), (uint)second, (uint)(second >> 32));
    }

    /// <summary>
    /// Fills <paramref name="values"/>, which start at block <paramref name="firstBlock"/>, 16 values per block: values
    /// 16b..16b+7 are r cos(theta), 16b+8..16b+15 r sin(theta) of pairs 8b..8b+7. Two blocks at a time with 512-bit
    /// vectors where they are accelerated, then one at a time with 256-bit vectors.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void FillBlocks(Span<float> values, int firstBlock, Keys keys)
    {
        int whole = values.Length / Block, b = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var lanes = Vector512.Create(0u, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            for (; b + 2 <= whole; b += 2)
            {
                var (x, y) = NormalPairs(Vector512.Create((uint)(firstBlock + b) * 8) + lanes, keys);
                var target = values.Slice(b * Block, 2 * Block);
                x.GetLower().CopyTo(target);
                y.GetLower().CopyTo(target.Slice(8));
                x.GetUpper().CopyTo(target.Slice(16));
                y.GetUpper().CopyTo(target.Slice(24));
            }
        }
        var lanes8 = Vector256.Create(0u, 1, 2, 3, 4, 5, 6, 7);
        for (; b < whole; b++)
        {
            var (x, y) = NormalPairs(Vector256.Create((uint)(firstBlock + b) * 8) + lanes8, keys);
            var target = values.Slice(b * Block, Block);
            x.CopyTo(target);
            y.CopyTo(target.Slice(8));
        }
        if (whole * Block < values.Length)
        {
            Span<float> tail = stackalloc float[Block];
            var (x, y) = NormalPairs(Vector256.Create((uint)(firstBlock + whole) * 8) + lanes8, keys);
            x.CopyTo(tail);
            y.CopyTo(tail.Slice(8));
            tail.Slice(0, values.Length - whole * Block).CopyTo(values.Slice(whole * Block));
        }
    }

    /// <summary>Box-Muller on the uniforms hashed from eight pair indices: (r cos(theta), r sin(theta)) of each pair.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> X, Vector256<float> Y) NormalPairs(Vector256<uint> pair, Keys keys)
    {
        var radiusUniform = Uniform(Mix(Mix(pair ^ Vector256.Create(keys.A)) + Vector256.Create(keys.B)));
        var angleUniform = Uniform(Mix(Mix(pair ^ Vector256.Create(keys.C)) + Vector256.Create(keys.D)));
        var radius = Vector256.Sqrt(Vector256.Create(-2f) * Vector256.Log(radiusUniform));
        var (sin, cos) = SinCosOfPiTimes(angleUniform * Vector256.Create(2f) - Vector256<float>.One);
        return (radius * cos, radius * sin);
    }

    /// <summary><see cref="NormalPairs(Vector256{uint}, Keys)"/> for sixteen pair indices.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float> X, Vector512<float> Y) NormalPairs(Vector512<uint> pair, Keys keys)
    {
        var radiusUniform = Uniform(Mix(Mix(pair ^ Vector512.Create(keys.A)) + Vector512.Create(keys.B)));
        var angleUniform = Uniform(Mix(Mix(pair ^ Vector512.Create(keys.C)) + Vector512.Create(keys.D)));
        var radius = Vector512.Sqrt(Vector512.Create(-2f) * Vector512.Log(radiusUniform));
        var (sin, cos) = SinCosOfPiTimes(angleUniform * Vector512.Create(2f) - Vector512<float>.One);
        return (radius * cos, radius * sin);
    }

    /// <summary>MurmurHash3's 32-bit finaliser, a bijection that mixes every input bit into every output bit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Mix(Vector256<uint> h)
    {
        h ^= Vector256.ShiftRightLogical(h, 16);
        h *= Vector256.Create(0x85ebca6bu);
        h ^= Vector256.ShiftRightLogical(h, 13);
        h *= Vector256.Create(0xc2b2ae35u);
        return h ^ Vector256.ShiftRightLogical(h, 16);
    }

    /// <summary><see cref="Mix(Vector256{uint})"/> on sixteen lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Mix(Vector512<uint> h)
    {
        h ^= Vector512.ShiftRightLogical(h, 16);
        h *= Vector512.Create(0x85ebca6bu);
        h ^= Vector512.ShiftRightLogical(h, 13);
        h *= Vector512.Create(0xc2b2ae35u);
        return h ^ Vector512.ShiftRightLogical(h, 16);
    }

    /// <summary>The top 24 bits as a float in (0, 1): (k + 0.5) / 2^24, never 0, so its logarithm is finite.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Uniform(Vector256<uint> h) =>
        Vector256.ConvertToSingle(Vector256.ShiftRightLogical(h, 8).AsInt32()) * Vector256.Create(1f / (1 << 24))
        + Vector256.Create(0.5f / (1 << 24));

    /// <summary><see cref="Uniform(Vector256{uint})"/> on sixteen lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Uniform(Vector512<uint> h) =>
        Vector512.ConvertToSingle(Vector512.ShiftRightLogical(h, 8).AsInt32()) * Vector512.Create(1f / (1 << 24))
        + Vector512.Create(0.5f / (1 << 24));

    /// <summary>
    /// sin(pi t) and cos(pi t) for t in [-1, 1]: the half angle x = pi t / 2 lies in [-pi/2, pi/2], where the Taylor
    /// polynomials of sin x to x^11 and cos x to x^10 are within 5e-7; then the double-angle formulas.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (Vector256<float> Sin, Vector256<float> Cos) SinCosOfPiTimes(Vector256<float> t)
    {
        var x = t * Vector256.Create(MathF.PI / 2);
        var x2 = x * x;
        var sin = Vector256.FusedMultiplyAdd(x2, Vector256.Create(-1f / 39916800), Vector256.Create(1f / 362880));
        sin = Vector256.FusedMultiplyAdd(sin, x2, Vector256.Create(-1f / 5040));
        sin = Vector256.FusedMultiplyAdd(sin, x2, Vector256.Create(1f / 120));
        sin = Vector256.FusedMultiplyAdd(sin, x2, Vector256.Create(-1f / 6));
        sin = Vector256.FusedMultiplyAdd(sin, x2, Vector256<float>.One) * x;
        var cos = Vector256.FusedMultiplyAdd(x2, Vector256.Create(-1f / 3628800), Vector256.Create(1f / 40320));
        cos = Vector256.FusedMultiplyAdd(cos, x2, Vector256.Create(-1f / 720));
        cos = Vector256.FusedMultiplyAdd(cos, x2, Vector256.Create(1f / 24));
        cos = Vector256.FusedMultiplyAdd(cos, x2, Vector256.Create(-0.5f));
        cos = Vector256.FusedMultiplyAdd(cos, x2, Vector256<float>.One);
        return (Vector256.Create(2f) * sin * cos, cos * cos - sin * sin);
    }

    /// <summary><see cref="SinCosOfPiTimes(Vector256{float})"/> on sixteen lanes, with the same polynomials.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float> Sin, Vector512<float> Cos) SinCosOfPiTimes(Vector512<float> t)
    {
        var x = t * Vector512.Create(MathF.PI / 2);
        var x2 = x * x;
        var sin = Vector512.FusedMultiplyAdd(x2, Vector512.Create(-1f / 39916800), Vector512.Create(1f / 362880));
        sin = Vector512.FusedMultiplyAdd(sin, x2, Vector512.Create(-1f / 5040));
        sin = Vector512.FusedMultiplyAdd(sin, x2, Vector512.Create(1f / 120));
        sin = Vector512.FusedMultiplyAdd(sin, x2, Vector512.Create(-1f / 6));
        sin = Vector512.FusedMultiplyAdd(sin, x2, Vector512<float>.One) * x;
        var cos = Vector512.FusedMultiplyAdd(x2, Vector512.Create(-1f / 3628800), Vector512.Create(1f / 40320));
        cos = Vector512.FusedMultiplyAdd(cos, x2, Vector512.Create(-1f / 720));
        cos = Vector512.FusedMultiplyAdd(cos, x2, Vector512.Create(1f / 24));
        cos = Vector512.FusedMultiplyAdd(cos, x2, Vector512.Create(-0.5f));
        cos = Vector512.FusedMultiplyAdd(cos, x2, Vector512<float>.One);
        return (Vector512.Create(2f) * sin * cos, cos * cos - sin * sin);
    }

    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The four hash keys of one draw.</summary>
    internal readonly record struct Keys(uint A, uint B, uint C, uint D);
}
