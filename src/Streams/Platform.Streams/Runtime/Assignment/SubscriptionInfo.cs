using Platform.Protocol;
using Platform.Streams.Processors;

namespace Platform.Streams.Runtime.Assignment;

/// <summary>
/// What each stream thread tells the group leader when it joins, in its subscription's user data: which
/// instance it belongs to (threads of one instance share the process id), where interactive queries
/// reach that instance (<c>application.server</c>), and for each task it has state of, how far that state
/// goes (Kafka's task offset sums: <see cref="RunningActive"/> for tasks it was running, else the sum of
/// its checkpointed changelog offsets), which is what makes the assignment sticky.
/// </summary>
/// <param name="ProcessId">The instance.</param>
/// <param name="Endpoint">The instance's <c>application.server</c> (<c>host:port</c>), or null.</param>
/// <param name="TaskOffsetSums">Per task with local state: <see cref="RunningActive"/> or the summed changelog offsets.</param>
/// <param name="ThreadTasks">The tasks this thread itself was running (active), so they go back to the same thread.</param>
/// <param name="ShutdownRequested">Whether the instance asks every instance to shut down (<see cref="StreamThreadExceptionResponse.ShutdownApplication"/>).</param>
internal sealed record SubscriptionInfo(
    Guid ProcessId,
    string? Endpoint,
    IReadOnlyDictionary<TaskId, long> TaskOffsetSums,
    IReadOnlySet<TaskId> ThreadTasks,
    bool ShutdownRequested = false)
{
    /// <summary>The version this runtime writes.</summary>
    public const int CurrentVersion = 1;

    /// <summary>The offset sum of a task the member was running as an active task (Kafka's <c>LATEST_OFFSET</c>).</summary>
    public const long RunningActive = -2;

    /// <summary>The bytes for the subscription's user data.</summary>
    public byte[] Encode()
    {
        using var writer = new KafkaWriter();
        writer.WriteInt32(CurrentVersion);
        writer.WriteUuid(ProcessId);
        writer.WriteNullableString(Endpoint, compact: false);
        writer.WriteArrayLength(TaskOffsetSums.Count, compact: false);
        foreach (var (task, sum) in TaskOffsetSums.OrderBy(t => t.Key))
        {
            WriteTask(writer, task);
            writer.WriteInt64(sum);
        }

        writer.WriteArrayLength(ThreadTasks.Count, compact: false);
        foreach (var task in ThreadTasks.Order())
        {
            WriteTask(writer, task);
        }

        writer.WriteBool(ShutdownRequested);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Reads what <see cref="Encode"/> wrote.</summary>
    /// <exception cref="InvalidDataException">Not a stream thread's subscription (a plain consumer joined the application's group?).</exception>
    public static SubscriptionInfo Decode(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            var reader = new KafkaReader(bytes);
            var version = reader.ReadInt32();
            if (version < 1)
            {
                throw new InvalidDataException($"Streams subscription version {version} is not supported.");
            }

            var process = reader.ReadUuid();
            var endpoint = reader.ReadNullableString(compact: false);
            var sums = new Dictionary<TaskId, long>();
            for (var count = reader.ReadArrayLength(compact: false); count > 0; count--)
            {
                sums[ReadTask(ref reader)] = reader.ReadInt64();
            }

            var own = new HashSet<TaskId>();
            for (var count = reader.ReadArrayLength(compact: false); count > 0; count--)
            {
                own.Add(ReadTask(ref reader));
            }

            var shutdown = reader.ReadBool();
            return new SubscriptionInfo(process, endpoint, sums, own, shutdown);
        }
        catch (ProtocolException ex)
        {
            throw new InvalidDataException($"Malformed Streams subscription: {ex.Message}", ex);
        }
    }

    internal static void WriteTask(KafkaWriter writer, TaskId task)
    {
        writer.WriteInt32(task.Subtopology);
        writer.WriteInt32(task.Partition);
    }

    internal static TaskId ReadTask(ref KafkaReader reader) => new(reader.ReadInt32(), reader.ReadInt32());
}
