namespace Platform.Storage;

/// <summary>Sequence arithmetic: sequences are non-negative int32s that wrap from <see cref="int.MaxValue"/> to 0.</summary>
public static class ProducerSequence
{
    /// <summary><paramref name="sequence"/> + <paramref name="increment"/>, wrapping past <see cref="int.MaxValue"/> to 0.</summary>
    public static int Increment(int sequence, int increment)
        => sequence > int.MaxValue - increment ? increment - (int.MaxValue - sequence) - 1 : sequence + increment;

    /// <summary>True if <paramref name="next"/> directly follows <paramref name="last"/>.</summary>
    public static bool Follows(int last, int next) => next == last + 1L || (next == 0 && last == int.MaxValue);

    /// <summary>How far <paramref name="sequence"/> lies before <paramref name="reference"/> on the wrapping circle (0 if equal).</summary>
    public static long DistanceBefore(int sequence, int reference)
        => ((long)reference - sequence + (1L << 31)) % (1L << 31);
}
