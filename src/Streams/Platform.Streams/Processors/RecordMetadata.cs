namespace Platform.Streams.Processors;

/// <summary>Where the record being processed came from (absent for records a punctuator created).</summary>
/// <param name="Topic">The source topic.</param>
/// <param name="Partition">The source partition.</param>
/// <param name="Offset">The source offset.</param>
public sealed record RecordMetadata(string Topic, int Partition, long Offset);
