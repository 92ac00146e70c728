using Platform.Client;
using Platform.Protocol;
using Platform.Streams.Processors;

namespace Platform.Streams.Runtime.Assignment;

/// <summary>
/// What the group leader tells each stream thread, in its assignment's user data: its active tasks with
/// their input partitions, its standby tasks, which instance (by <c>application.server</c>) hosts each
/// partition actively and as a standby (for <c>QueryMetadataForKey</c>), and an error that stops every
/// member (a source topic is missing).
/// </summary>
/// <param name="ActiveTasks">This thread's active tasks and their input partitions.</param>
/// <param name="StandbyTasks">This thread's standby tasks.</param>
/// <param name="PartitionsByHost">Per <c>application.server</c>: the input partitions its instance runs actively.</param>
/// <param name="StandbyPartitionsByHost">Per <c>application.server</c>: the input partitions of its standby tasks.</param>
/// <param name="Error">Why the application cannot run, or null.</param>
/// <param name="Shutdown">Whether an instance asked the whole application to shut down.</param>
internal sealed record AssignmentInfo(
    IReadOnlyDictionary<TaskId, IReadOnlyList<TopicPartition>> ActiveTasks,
    IReadOnlySet<TaskId> StandbyTasks,
    IReadOnlyDictionary<string, IReadOnlySet<TopicPartition>> PartitionsByHost,
    IReadOnlyDictionary<string, IReadOnlySet<TopicPartition>> StandbyPartitionsByHost,
    string? Error = null,
    bool Shutdown = false)
{
    /// <summary>The version this runtime writes.</summary>
    public const int CurrentVersion = 1;

    /// <summary>An assignment that only carries <paramref name="error"/>.</summary>
    public static AssignmentInfo Failed(string error) => new(
        new Dictionary<TaskId, IReadOnlyList<TopicPartition>>(),
        new HashSet<TaskId>(),
        new Dictionary<string, IReadOnlySet<TopicPartition>>(),
        new Dictionary<string, IReadOnlySet<TopicPartition>>(),
        error);

    /// <summary>The bytes for the assignment's user data.</summary>
    public byte[] Encode()
    {
        using var writer = new KafkaWriter();
        writer.WriteInt32(CurrentVersion);
        writer.WriteArrayLength(ActiveTasks.Count, compact: false);
        foreach (var (task, partitions) in ActiveTasks.OrderBy(t => t.Key))
        {
            SubscriptionInfo.WriteTask(writer, task);
            WritePartitions(writer, partitions);
        }

        writer.WriteArrayLength(StandbyTasks.Count, compact: false);
        foreach (var task in StandbyTasks.Order())
        {
            SubscriptionInfo.WriteTask(writer, task);
        }

        WriteHosts(writer, PartitionsByHost);
        WriteHosts(writer, StandbyPartitionsByHost);
        writer.WriteNullableString(Error, compact: false);
        writer.WriteBool(Shutdown);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Reads what <see cref="Encode"/> wrote.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a Streams assignment.</exception>
    public static AssignmentInfo Decode(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            var reader = new KafkaReader(bytes);
            var version = reader.ReadInt32();
            if (version < 1)
            {
                throw new InvalidDataException($"Streams assignment version {version} is not supported.");
            }

            var active = new Dictionary<TaskId, IReadOnlyList<TopicPartition>>();
            for (var count = reader.ReadArrayLength(compact: false); count > 0; count--)
            {
                var task = SubscriptionInfo.ReadTask(ref reader);
                active[task] = ReadPartitions(ref reader);
            }

            var standby = new HashSet<TaskId>();
            for (var count = reader.ReadArrayLength(compact: false); count > 0; count--)
            {
                standby.Add(SubscriptionInfo.ReadTask(ref reader));
            }

            var hosts = ReadHosts(ref reader);
            var standbyHosts = ReadHosts(ref reader);
            var error = reader.ReadNullableString(compact: false);
            var shutdown = reader.ReadBool();
            return new AssignmentInfo(active, standby, hosts, standbyHosts, error, shutdown);
        }
        catch (ProtocolException ex)
        {
            throw new InvalidDataException($"Malformed Streams assignment: {ex.Message}", ex);
        }
    }

    private static void WritePartitions(KafkaWriter writer, IEnumerable<TopicPartition> partitions)
    {
        var list = partitions.ToList();
        writer.WriteArrayLength(list.Count, compact: false);
        foreach (var partition in list)
        {
            writer.WriteString(partition.Topic, compact: false);
            writer.WriteInt32(partition.Partition);
        }
    }

    private static List<TopicPartition> ReadPartitions(ref KafkaReader reader)
    {
        var list = new List<TopicPartition>();
        for (var count = reader.ReadArrayLength(compact: false); count > 0; count--)
        {
            list.Add(new TopicPartition(reader.ReadString(compact: false), reader.ReadInt32()));
        }

        return list;
    }

    private static void WriteHosts(KafkaWriter writer, IReadOnlyDictionary<string, IReadOnlySet<TopicPartition>> hosts)
    {
        writer.WriteArrayLength(hosts.Count, compact: false);
        foreach (var (host, partitions) in hosts.OrderBy(h => h.Key, StringComparer.Ordinal))
        {
            writer.WriteString(host, compact: false);
            WritePartitions(writer, partitions);
        }
    }

    private static Dictionary<string, IReadOnlySet<TopicPartition>> ReadHosts(ref KafkaReader reader)
    {
        var hosts = new Dictionary<string, IReadOnlySet<TopicPartition>>(StringComparer.Ordinal);
        for (var count = reader.ReadArrayLength(compact: false); count > 0; count--)
        {
            var host = reader.ReadString(compact: false);
            hosts[host] = ReadPartitions(ref reader).ToHashSet();
        }

        return hosts;
    }
}
