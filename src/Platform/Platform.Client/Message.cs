namespace Platform.Client;

/// <summary>A record as the application sees it: key, value, headers and timestamp.</summary>
/// <typeparam name="TKey">Key type.</typeparam>
/// <typeparam name="TValue">Value type.</typeparam>
public class Message<TKey, TValue>
{
    /// <summary>The key; partitions records by default.</summary>
    public TKey Key { get; set; } = default!;

    /// <summary>The value.</summary>
    public TValue Value { get; set; } = default!;

    /// <summary>Headers, or null for none.</summary>
    public Headers? Headers { get; set; }

    /// <summary>The timestamp; <see cref="Timestamp.Default"/> lets the producer use the current time.</summary>
    public Timestamp Timestamp { get; set; } = Timestamp.Default;
}
