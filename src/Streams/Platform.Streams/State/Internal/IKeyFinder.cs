namespace Platform.Streams.State.Internal;

/// <summary>
/// A byte store layer that can hand out the key it already holds for serialized key bytes: the typed layer
/// serializes a key into a reused buffer and, when the key is cached or stored, needs no array of its own.
/// </summary>
internal interface IKeyFinder
{
    /// <summary>The held key equal to <paramref name="key"/>, or null when this layer (and those beneath) hold none.</summary>
    Bytes? FindKey(ReadOnlySpan<byte> key);
}
