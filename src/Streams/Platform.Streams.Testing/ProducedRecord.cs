using Platform.Client;

namespace Platform.Streams.Testing;

/// <summary>A record the topology wrote (sink, changelog or dead-letter topic), as bytes.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Partition">The partition the record chose (-1: the default partitioner's).</param>
/// <param name="Key">The key bytes, or null.</param>
/// <param name="Value">The value bytes, or null.</param>
/// <param name="Headers">The headers, or null.</param>
/// <param name="Timestamp">The timestamp.</param>
public sealed record ProducedRecord(string Topic, int Partition, byte[]? Key, byte[]? Value, Headers? Headers, long Timestamp);
