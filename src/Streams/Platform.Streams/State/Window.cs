namespace Platform.Streams.State;

/// <summary>A window's bounds in ms since the epoch: start inclusive, end exclusive for time windows, inclusive for sessions.</summary>
/// <param name="StartMs">The start.</param>
/// <param name="EndMs">The end.</param>
public readonly record struct Window(long StartMs, long EndMs);

/// <summary>A key within a window: the key type of windowed aggregations' results.</summary>
/// <param name="Key">The key.</param>
/// <param name="Window">The window.</param>
public readonly record struct Windowed<TKey>(TKey Key, Window Window) : IWindowedKey
{
    /// <inheritdoc/>
    public override string ToString() => $"[{Key}@{Window.StartMs}/{Window.EndMs}]";
}
