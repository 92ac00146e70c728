namespace Platform.Streams.Processors;

/// <summary>A task: sub-topology number and partition, written <c>0_1</c> as in Kafka Streams.</summary>
/// <param name="Subtopology">The sub-topology.</param>
/// <param name="Partition">The partition of its input topics.</param>
public readonly record struct TaskId(int Subtopology, int Partition) : IComparable<TaskId>
{
    /// <inheritdoc/>
    public int CompareTo(TaskId other) => Subtopology != other.Subtopology ? Subtopology.CompareTo(other.Subtopology) : Partition.CompareTo(other.Partition);

    /// <summary>Parses <c>0_1</c>.</summary>
    /// <exception cref="FormatException">Not in that form.</exception>
    public static TaskId Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('_');
        return parts.Length == 2 && int.TryParse(parts[0], out var s) && int.TryParse(parts[1], out var p)
            ? new TaskId(s, p)
            : throw new FormatException($"'{text}' is not a task id like 0_1.");
    }

    /// <summary>Task order.</summary>
    public static bool operator <(TaskId left, TaskId right) => left.CompareTo(right) < 0;

    /// <summary>Task order.</summary>
    public static bool operator >(TaskId left, TaskId right) => left.CompareTo(right) > 0;

    /// <summary>Task order.</summary>
    public static bool operator <=(TaskId left, TaskId right) => left.CompareTo(right) <= 0;

    /// <summary>Task order.</summary>
    public static bool operator >=(TaskId left, TaskId right) => left.CompareTo(right) >= 0;

    /// <inheritdoc/>
    public override string ToString() => $"{Subtopology}_{Partition}";
}
