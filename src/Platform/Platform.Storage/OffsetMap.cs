using System.Security.Cryptography;

namespace Platform.Storage;

/// <summary>
/// The cleaner's key -> latest offset map over the dirty section. Like Kafka's SkimpyOffsetMap it keys
/// on a 128-bit digest of the key rather than the key itself, so memory is fixed per entry (~40 bytes)
/// whatever the key size; a digest collision (2^-64 odds at a billion keys) would drop a record.
/// </summary>
internal sealed class OffsetMap(int maxEntries)
{
    private readonly Dictionary<UInt128, long> _latest = [];

    public int Count => _latest.Count;

    public bool IsFull => _latest.Count >= maxEntries;

    public void Put(ReadOnlySpan<byte> key, long offset) => _latest[Digest(key)] = offset;

    /// <summary>The latest offset of <paramref name="key"/> in the dirty section, or -1.</summary>
    public long Get(ReadOnlySpan<byte> key) => _latest.TryGetValue(Digest(key), out var offset) ? offset : -1;

    public void Clear() => _latest.Clear();

    private static UInt128 Digest(ReadOnlySpan<byte> key)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(key, hash);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(hash);
    }
}
