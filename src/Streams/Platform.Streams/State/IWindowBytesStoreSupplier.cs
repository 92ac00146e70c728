namespace Platform.Streams.State;

/// <summary>Makes the innermost byte store of a window store.</summary>
public interface IWindowBytesStoreSupplier
{
    /// <summary>The store's name.</summary>
    string Name { get; }

    /// <summary>How long windows are kept, by stream time, in ms.</summary>
    long RetentionPeriodMs { get; }

    /// <summary>The size of the windows stored, in ms.</summary>
    long WindowSizeMs { get; }

    /// <summary>
    /// Whether the store keeps every value put under a key and window start (stream-stream join buffers) rather
    /// than the latest; such a store ignores null puts.
    /// </summary>
    bool RetainDuplicates => false;

    /// <summary>A new store for one task.</summary>
    IWindowStore<Bytes, byte[]> Get();
}
