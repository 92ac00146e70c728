using Platform.Streams.State;
using Platform.Streams.State.Internal;

namespace Platform.Streams.Processors.Internal;

/// <summary>What a task's stores see while they open: the task, its record context and collector, the cache, and registration.</summary>
internal sealed class StoreContext(TaskContext task, string stateDirectory, ThreadCache? cache, Func<string, string?> changelogTopicOf) : IStateStoreContext
{
    private readonly List<StoreRegistration> _registrations = [];

    public string ApplicationId => Task.ApplicationId;

    public TaskId TaskId => Task.TaskId;

    public string StateDirectory { get; } = stateDirectory;

    public StreamsConfig Config => Task.Config;

    /// <summary>The task: record context, collector.</summary>
    public TaskContext Task { get; } = task;

    /// <summary>The stream thread's record cache, or null when caching is off for this task.</summary>
    public ThreadCache? Cache { get; } = cache;

    /// <summary>The stores registered, in the order they opened.</summary>
    public IReadOnlyList<StoreRegistration> Registrations => _registrations;

    /// <summary>The changelog topic of a store, or null when it does not log.</summary>
    public string? ChangelogTopicOf(string storeName) => changelogTopicOf(storeName);

    public void Register(IStateStore store, Action<byte[], byte[]?> restore)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(restore);
        foreach (var existing in _registrations)
        {
            if (existing.Store.Name == store.Name)
            {
                throw new InvalidOperationException($"Store '{store.Name}' is already registered with task {TaskId}.");
            }
        }

        _registrations.Add(new StoreRegistration(store, restore)
        {
            ChangelogTopic = changelogTopicOf(store.Name),
            ChangelogPartition = TaskId.Partition,
        });
    }

    /// <summary>Marks <paramref name="storeName"/>'s changelog as holding plain values (the timestamp is the record's).</summary>
    public void MarkTimestampedChangelog(string storeName)
    {
        foreach (var registration in _registrations)
        {
            if (registration.Store.Name == storeName)
            {
                registration.PrependTimestamp = true;
            }
        }
    }
}
