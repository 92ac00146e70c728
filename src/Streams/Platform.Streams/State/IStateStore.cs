using Platform.Streams.Processors;

namespace Platform.Streams.State;

/// <summary>A store owned by a task: opened with the task, restored from its changelog, flushed on commit.</summary>
public interface IStateStore
{
    /// <summary>The store's name, unique in the topology.</summary>
    string Name { get; }

    /// <summary>Whether it keeps its data on disk across restarts.</summary>
    bool Persistent { get; }

    /// <summary>Whether it is open.</summary>
    bool IsOpen { get; }

    /// <summary>Opens the store and registers it (and its restore callback) with the task.</summary>
    void Init(IStateStoreContext context, IStateStore root);

    /// <summary>Makes what was written durable (and sends cached changes on).</summary>
    void Flush();

    /// <summary>Closes the store.</summary>
    void Close();
}

/// <summary>What a store sees of its task while it opens.</summary>
public interface IStateStoreContext
{
    /// <summary>The <c>application.id</c>.</summary>
    string ApplicationId { get; }

    /// <summary>The task.</summary>
    TaskId TaskId { get; }

    /// <summary>The task's directory under <c>state.dir</c>, for persistent stores.</summary>
    string StateDirectory { get; }

    /// <summary>The application's configuration.</summary>
    StreamsConfig Config { get; }

    /// <summary>Registers <paramref name="store"/>; the runtime replays its changelog through <paramref name="restore"/> (key, value bytes; null value = delete).</summary>
    void Register(IStateStore store, Action<byte[], byte[]?> restore);
}
