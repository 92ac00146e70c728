namespace Platform.Client.Network;

/// <summary>
/// Records held in one piece of memory: a request can send them from there (a gathering write)
/// instead of copying them into its frame.
/// </summary>
internal interface IContiguousRecords
{
    /// <summary>The records' bytes, valid until the request that carries them is answered.</summary>
    ReadOnlyMemory<byte> Memory { get; }
}
