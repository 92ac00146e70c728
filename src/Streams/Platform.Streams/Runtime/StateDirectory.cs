using System.Text.Json;
using Platform.Streams.Processors;

namespace Platform.Streams.Runtime;

/// <summary>
/// The application's folder under <c>state.dir</c>, laid out as in Kafka Streams:
/// <c>&lt;state.dir&gt;/&lt;application.id&gt;/&lt;subtopology&gt;_&lt;partition&gt;/</c> per task (with its
/// <c>.checkpoint</c> and its stores, RocksDB ones under <c>rocksdb/</c>), a <c>.lock</c> file held while
/// an instance runs (two instances sharing a folder would corrupt each other's stores) and
/// <c>kafka-streams-process-metadata</c> keeping the instance's process id across restarts, so the
/// assignor recognises a restarted instance and gives it back the tasks whose state it holds.
/// </summary>
internal sealed class StateDirectory : IDisposable
{
    private const string LockFileName = ".lock";
    private const string ProcessFileName = "kafka-streams-process-metadata";

    private readonly Lock _lock = new();
    private readonly Dictionary<TaskId, object> _taskOwners = [];
    private FileStream? _appLock;

    /// <summary>Opens (creating it) the folder of <paramref name="applicationId"/> under <paramref name="stateDir"/> and locks it.</summary>
    /// <exception cref="InvalidOperationException">Another instance holds the folder; the message names <c>state.dir</c>.</exception>
    public StateDirectory(string stateDir, string applicationId)
    {
        ArgumentException.ThrowIfNullOrEmpty(stateDir);
        ArgumentException.ThrowIfNullOrEmpty(applicationId);
        ApplicationDirectory = Path.GetFullPath(Path.Combine(stateDir, applicationId));
        try
        {
            Directory.CreateDirectory(ApplicationDirectory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"state.dir '{stateDir}' cannot hold the folder of application '{applicationId}': {ex.Message}", ex);
        }

        try
        {
            _appLock = new FileStream(Path.Combine(ApplicationDirectory, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException(
                $"state.dir '{stateDir}' is in use by another instance of application '{applicationId}'; give each instance its own state.dir.", ex);
        }

        ProcessId = ReadOrCreateProcessId();
    }

    /// <summary><c>&lt;state.dir&gt;/&lt;application.id&gt;</c>.</summary>
    public string ApplicationDirectory { get; }

    /// <summary>This instance's id, the same after a restart with the same folder.</summary>
    public Guid ProcessId { get; }

    /// <summary>The folder of <paramref name="task"/>, created if missing.</summary>
    public string TaskDirectory(TaskId task)
    {
        var path = TaskPath(task);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>The checkpoint file of <paramref name="task"/>.</summary>
    public OffsetCheckpoint Checkpoint(TaskId task) => new(Path.Combine(TaskPath(task), OffsetCheckpoint.FileName));

    /// <summary>Makes <paramref name="owner"/> (a stream thread) the only user of the task's folder; false when another owner has it.</summary>
    public bool TryLock(TaskId task, object owner)
    {
        lock (_lock)
        {
            if (_taskOwners.TryGetValue(task, out var current))
            {
                return ReferenceEquals(current, owner);
            }

            _taskOwners[task] = owner;
            return true;
        }
    }

    /// <summary>Releases the task's folder if <paramref name="owner"/> holds it.</summary>
    public void Unlock(TaskId task, object owner)
    {
        lock (_lock)
        {
            if (_taskOwners.TryGetValue(task, out var current) && ReferenceEquals(current, owner))
            {
                _taskOwners.Remove(task);
            }
        }
    }

    /// <summary>The tasks that have a folder here (state from an earlier run or another thread).</summary>
    public IReadOnlyList<TaskId> TasksOnDisk()
    {
        if (!Directory.Exists(ApplicationDirectory))
        {
            return [];
        }

        var tasks = new List<TaskId>();
        foreach (var directory in Directory.EnumerateDirectories(ApplicationDirectory))
        {
            try
            {
                var task = TaskId.Parse(Path.GetFileName(directory));
                if (task.Subtopology >= 0 && task.Partition >= 0)
                {
                    tasks.Add(task);
                }
            }
            catch (FormatException)
            {
                // Not a task folder (a user's file or a newer layout): leave it alone.
            }
        }

        return tasks;
    }

    /// <summary>Deletes the task's folder and its stores (after a dirty close under exactly-once, or corrupt state).</summary>
    public void Wipe(TaskId task)
    {
        var path = TaskPath(task);
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    /// <summary>
    /// Deletes the folders of tasks nobody here owns whose last change is older than <paramref name="delay"/>
    /// (<c>state.cleanup.delay.ms</c>): the state of tasks that moved elsewhere for good.
    /// </summary>
    /// <returns>The tasks whose folders were deleted.</returns>
    public IReadOnlyList<TaskId> CleanRemovedTasks(TimeSpan delay)
    {
        var removed = new List<TaskId>();
        foreach (var task in TasksOnDisk())
        {
            lock (_lock)
            {
                if (_taskOwners.ContainsKey(task))
                {
                    continue;
                }

                var path = TaskPath(task);
                if (DateTime.UtcNow - LastChange(path) < delay)
                {
                    continue;
                }

                Directory.Delete(path, recursive: true);
                removed.Add(task);
            }
        }

        return removed;
    }

    private static DateTime LastChange(string path)
    {
        var latest = Directory.GetLastWriteTimeUtc(path);
        foreach (var file in Directory.EnumerateFileSystemEntries(path, "*", SearchOption.AllDirectories))
        {
            var time = File.GetLastWriteTimeUtc(file);
            if (time > latest)
            {
                latest = time;
            }
        }

        return latest;
    }

    private string TaskPath(TaskId task) => Path.Combine(ApplicationDirectory, task.ToString());

    private Guid ReadOrCreateProcessId()
    {
        var path = Path.Combine(ApplicationDirectory, ProcessFileName);
        if (File.Exists(path))
        {
            try
            {
                using var document = JsonDocument.Parse(File.ReadAllText(path));
                if (document.RootElement.TryGetProperty("processId", out var id) && Guid.TryParse(id.GetString(), out var existing))
                {
                    return existing;
                }
            }
            catch (JsonException)
            {
                // Unreadable: a new id only costs the stickiness of this one restart.
            }
        }

        var created = Guid.NewGuid();
        File.WriteAllText(path, JsonSerializer.Serialize(new Dictionary<string, string> { ["processId"] = created.ToString() }));
        return created;
    }

    /// <summary>Releases the folder's lock.</summary>
    public void Dispose()
    {
        _appLock?.Dispose();
        _appLock = null;
    }
}
