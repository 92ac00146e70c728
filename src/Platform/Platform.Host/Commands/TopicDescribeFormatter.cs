using System.Globalization;
using Platform.Client;
using Platform.Client.Admin;

namespace Platform.Host.Commands;

/// <summary>Writes a topic the way <c>kafka-topics.sh --describe</c> does, plus each partition's log start and end offsets.</summary>
internal static class TopicDescribeFormatter
{
    public static void Write(
        TextWriter output,
        TopicDescription topic,
        IReadOnlyDictionary<string, ConfigEntryResult>? configs,
        IReadOnlyDictionary<TopicPartition, (long? Start, long? End)> offsets,
        Func<TopicPartitionInfo, bool>? partitionFilter = null)
    {
        var replicationFactor = topic.Partitions.Count > 0 ? topic.Partitions[0].Replicas.Count : 0;
        var overrides = configs is null
            ? ""
            : string.Join(',', configs.Values
                .Where(c => !c.IsDefault)
                .OrderBy(c => c.Name, StringComparer.Ordinal)
                .Select(c => $"{c.Name}={(c.IsSensitive ? "******" : c.Value)}"));
        if (partitionFilter is null)
        {
            output.WriteLine(
                $"Topic: {topic.Name}\tTopicId: {FormatTopicId(topic.TopicId)}\tPartitionCount: {topic.Partitions.Count}\t"
                + $"ReplicationFactor: {replicationFactor}\tConfigs: {overrides}");
        }

        foreach (var partition in topic.Partitions.Where(partitionFilter ?? (_ => true)))
        {
            offsets.TryGetValue(new TopicPartition(topic.Name, partition.Partition), out var range);
            output.WriteLine(
                $"\tTopic: {topic.Name}\tPartition: {partition.Partition}\t"
                + $"Leader: {(partition.Leader is { } leader ? leader.Id.ToString(CultureInfo.InvariantCulture) : "none")}\t"
                + $"Replicas: {string.Join(',', partition.Replicas.Select(r => r.Id))}\t"
                + $"Isr: {string.Join(',', partition.ISR.Select(r => r.Id))}\t"
                + $"LogStartOffset: {Offset(range.Start)}\tLogEndOffset: {Offset(range.End)}");
        }
    }

    /// <summary>Kafka prints topic ids as URL-safe base64 of the 16 big-endian bytes, without padding.</summary>
    public static string FormatTopicId(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private static string Offset(long? offset) => offset is { } value ? value.ToString(CultureInfo.InvariantCulture) : "-";
}
