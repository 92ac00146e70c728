using Platform.Streams.Processors;

namespace Platform.Streams.Tests.Engine;

/// <summary>Writes each record to the topic named by its key.</summary>
internal sealed class TopicByKey : ITopicNameExtractor<string?, string?>
{
    public string Extract(string? key, string? value, RecordMetadata? source) => key ?? "no-key";
}
