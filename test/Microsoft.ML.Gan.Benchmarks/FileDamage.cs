namespace Microsoft.ML.Gan.Benchmarks;

/// <summary>Seeded damage to a file's bytes, for fuzzing loaders: bit flips, truncation, an overwritten range or random bytes.</summary>
internal static class FileDamage
{
    /// <summary>A damaged copy of <paramref name="original"/>; the kind of damage and its place come from <paramref name="random"/>.</summary>
    public static byte[] Apply(byte[] original, Random random)
    {
        byte[] copy = (byte[])original.Clone();
        switch (random.Next(4))
        {
            case 0:
                for (int flips = random.Next(1, 9); flips > 0; flips--)
                    copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
                return copy;
            case 1:
                return copy[..random.Next(copy.Length)];
            case 2:
                int start = random.Next(copy.Length);
                random.NextBytes(copy.AsSpan(start, Math.Min(copy.Length - start, random.Next(1, 512))));
                return copy;
            default:
                random.NextBytes(copy);
                return copy;
        }
    }
}
