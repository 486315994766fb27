namespace Microsoft.ML.Gan.Data;

/// <summary>
/// NumPy's legacy <c>numpy.random.RandomState(seed)</c>: the 32-bit Mersenne Twister MT19937 seeded by
/// init_genrand, and <c>permutation(n)</c> as NumPy computes it (a Fisher-Yates shuffle from the end, each index drawn
/// by masked rejection of 32-bit outputs). It lets the library choose exactly the rows a NumPy script chooses.
/// </summary>
internal sealed class NumPyRandomState
{
    private const int StateLength = 624;
    private const int Shift = 397;
    private readonly uint[] _state = new uint[StateLength];
    private int _position;

    public NumPyRandomState(uint seed)
    {
        _state[0] = seed;
        for (var i = 1; i < StateLength; i++)
            _state[i] = 1812433253u * (_state[i - 1] ^ (_state[i - 1] >> 30)) + (uint)i;
        _position = StateLength;
    }

    /// <summary>The next 32-bit output (MT19937's genrand_int32).</summary>
    public uint NextUInt32()
    {
        if (_position == StateLength)
            Twist();
        var y = _state[_position++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680u;
        y ^= (y << 15) & 0xefc60000u;
        return y ^ (y >> 18);
    }

    /// <summary>NumPy's <c>permutation(count)</c>: a shuffled copy of 0 .. count - 1.</summary>
    public int[] Permutation(int count)
    {
        var values = new int[count];
        for (var i = 0; i < count; i++)
            values[i] = i;
        for (var i = count - 1; i > 0; i--)
        {
            var j = (int)Interval((uint)i);
            (values[i], values[j]) = (values[j], values[i]);
        }

        return values;
    }

    /// <summary>A uniform integer in [0, max]: 32-bit outputs masked to max's bit length, redrawn while above max.</summary>
    private uint Interval(uint max)
    {
        var mask = max;
        mask |= mask >> 1;
        mask |= mask >> 2;
        mask |= mask >> 4;
        mask |= mask >> 8;
        mask |= mask >> 16;
        uint value;
        do
            value = NextUInt32() & mask;
        while (value > max);
        return value;
    }

    private void Twist()
    {
        for (var i = 0; i < StateLength; i++)
        {
            var y = (_state[i] & 0x80000000u) | (_state[(i + 1) % StateLength] & 0x7fffffffu);
            _state[i] = _state[(i + Shift) % StateLength] ^ (y >> 1) ^ ((y & 1) == 0 ? 0 : 0x9908b0dfu);
        }

        _position = 0;
    }
}
