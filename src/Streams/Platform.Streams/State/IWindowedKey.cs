namespace Platform.Streams.State;

/// <summary>A key that belongs to a window: lets operators that take any table key (suppression) read the window of <see cref="Windowed{TKey}"/> keys.</summary>
public interface IWindowedKey
{
    /// <summary>The window.</summary>
    Window Window { get; }
}
