namespace Platform.Streams.Dsl;

/// <summary>Suppression of a table's updates.</summary>
public partial interface IKTable<TKey, TValue>
{
    /// <summary>
    /// Holds updates back in a buffer (with its own changelog) and emits each key's latest one later: once per
    /// window when it closes (<see cref="Suppressed.UntilWindowCloses"/>, on a windowed aggregation's table), or
    /// once per key and time limit (<see cref="Suppressed.UntilTimeLimit"/>). Time is stream time.
    /// </summary>
    /// <exception cref="InvalidOperationException">Until the window closes on a table that is not a windowed aggregation's.</exception>
    IKTable<TKey, TValue> Suppress(Suppressed suppressed);
}
