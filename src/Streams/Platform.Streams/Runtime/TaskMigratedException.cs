namespace Platform.Streams.Runtime;

/// <summary>
/// The thread no longer owns its tasks (Kafka's <c>TaskMigratedException</c>): its producer was fenced by a
/// newer instance with the same transactional id, or the group moved on without it. The thread closes its
/// tasks without committing, rejoins the group and carries on with what it is given.
/// </summary>
internal sealed class TaskMigratedException : Exception
{
    /// <summary>The exception with a reason and its cause.</summary>
    public TaskMigratedException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
