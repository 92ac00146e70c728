namespace Platform.Streams.Processors;

/// <summary>Picks the topic a sink writes each record to (the topic must exist).</summary>
public interface ITopicNameExtractor<in TKey, in TValue>
{
    /// <summary>The topic of the record (<paramref name="key"/>, <paramref name="value"/>); <paramref name="source"/> is null for records a punctuator created.</summary>
    string Extract(TKey key, TValue value, RecordMetadata? source);
}
