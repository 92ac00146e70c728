namespace Platform.Streams.State;

/// <summary>Makes the innermost byte store of a session store.</summary>
public interface ISessionBytesStoreSupplier
{
    /// <summary>The store's name.</summary>
    string Name { get; }

    /// <summary>How long sessions are kept after they end, by stream time, in ms.</summary>
    long RetentionPeriodMs { get; }

    /// <summary>A new store for one task.</summary>
    ISessionStore<Bytes, byte[]> Get();
}
