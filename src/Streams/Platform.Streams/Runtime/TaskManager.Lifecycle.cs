using Platform.Client;
using Platform.Streams.Processors;
using Platform.Streams.Processors.Internal;

namespace Platform.Streams.Runtime;

// Creating and closing tasks: their folders, checkpoints, stores and changelog registrations.
internal sealed partial class TaskManager
{
    private bool TryCreateActive(TaskId id, IReadOnlyList<TopicPartition> partitions)
    {
        if (!_stateDirectory.TryLock(id, _owner))
        {
            return false;
        }

        try
        {
            var subtopology = _topology.Subtopologies.First(s => s.Id == id.Subtopology);
            var offsets = OpenCheckpoint(id, subtopology.ChangelogTopics.Values);
            var collector = new RecordCollector(Producer, id, subtopology.ChangelogTopics.Values, _productionHandler, _partitionCount, _logger);
            var task = _topology.CreateTask(id, [.. partitions], Environment(collector));
            task.InitializeStores();
            var changelogs = Changelogs(task, offsets, standby: false);
            var entry = new ActiveTask(task, collector, changelogs) { Restoring = changelogs.Count > 0 };
            if (changelogs.Count == 0)
            {
                task.InitializeTopology();
            }

            foreach (var changelog in changelogs)
            {
                _changelogs.Register(changelog);
            }

            _active[id] = entry;
            LogCreated(id, partitions, changelogs.Count);
            return true;
        }
        catch
        {
            _stateDirectory.Unlock(id, _owner);
            throw;
        }
    }

    private bool TryCreateStandby(TaskId id)
    {
        if (!_stateDirectory.TryLock(id, _owner))
        {
            return false;
        }

        try
        {
            var subtopology = _topology.Subtopologies.First(s => s.Id == id.Subtopology);
            var offsets = OpenCheckpoint(id, subtopology.ChangelogTopics.Values);
            var collector = new RecordCollector(Producer, id, subtopology.ChangelogTopics.Values, _productionHandler, _partitionCount, _logger);
            var task = _topology.CreateTask(id, [], Environment(collector));
            task.InitializeStores();
            var changelogs = Changelogs(task, offsets, standby: true);
            foreach (var changelog in changelogs)
            {
                _changelogs.Register(changelog);
            }

            _standby[id] = new StandbyTask(task, changelogs);
            return true;
        }
        catch
        {
            _stateDirectory.Unlock(id, _owner);
            throw;
        }
    }

    /// <summary>
    /// Reads the task's checkpoint. Under exactly-once, a folder with state but no checkpoint holds writes that
    /// were never committed (the process died): it is wiped. So is one whose checkpoint lies past the end of a
    /// changelog (of <paramref name="changelogTopics"/>): its stores hold what the changelog does not (Kafka
    /// treats the task as corrupted). The checkpoint is then removed under exactly-once until the next clean
    /// close, so that a crash from here on is recognised the same way.
    /// </summary>
    private Dictionary<TopicPartition, long> OpenCheckpoint(TaskId id, IEnumerable<string> changelogTopics)
    {
        var directory = _stateDirectory.TaskDirectory(id);
        var checkpoint = _stateDirectory.Checkpoint(id);
        if (Producer.ExactlyOnce && !File.Exists(checkpoint.FilePath) && Directory.EnumerateFileSystemEntries(directory).Any())
        {
            LogWiped(id);
            return Wiped();
        }

        Dictionary<TopicPartition, long> offsets;
        try
        {
            offsets = checkpoint.Read();
        }
        catch (InvalidDataException)
        {
            return Wiped();
        }

        // Only the task's own changelog partitions: an old checkpoint may name a topic the topology no longer has.
        var topics = changelogTopics.ToHashSet(StringComparer.Ordinal);
        var changelogs = offsets.Where(o => o.Key.Partition == id.Partition && topics.Contains(o.Key.Topic)).ToDictionary();
        if (_changelogs.PastTheEnd(changelogs) is { Count: > 0 } past)
        {
            LogCheckpointPastTheEnd(id, string.Join(", ", past));
            return Wiped();
        }

        if (Producer.ExactlyOnce)
        {
            checkpoint.Delete();
        }

        return offsets;

        // The task starts afresh: an empty folder, no checkpoint, its stores restored from the beginning.
        Dictionary<TopicPartition, long> Wiped()
        {
            _stateDirectory.Wipe(id);
            _stateDirectory.TaskDirectory(id);
            return [];
        }
    }

    private static List<ChangelogPartition> Changelogs(StreamTask task, Dictionary<TopicPartition, long> offsets, bool standby)
    {
        var changelogs = new List<ChangelogPartition>();
        foreach (var registration in task.Registrations)
        {
            if (registration.ChangelogTopic is not { } topic)
            {
                continue;
            }

            var partition = new TopicPartition(topic, registration.ChangelogPartition);

            // Only stores that kept their data on disk can start from the checkpoint; the others start empty.
            long? start = registration.Persistent && offsets.TryGetValue(partition, out var offset) ? offset : null;
            changelogs.Add(new ChangelogPartition(partition, registration.Store.Name, start, standby, registration.Restore));
        }

        return changelogs;
    }

    private TaskEnvironment Environment(RecordCollector collector)
        => new(_config, collector, _cache, SystemClock.Instance, _logger, _globalStores) { FetchedLag = FetchedLag, Combiners = _combiners };

    private void CloseActive(TaskId id, ActiveTask task, bool clean)
    {
        _active.Remove(id);
        _changelogs.Unregister(task.Changelogs.Select(c => c.Partition));
        try
        {
            task.Task.Close(clean && !task.Restoring);
            if (clean)
            {
                // After a commit, or still restoring: the stores hold the changelog up to these offsets.
                WriteCheckpoint(id, task.CheckpointOffsets());
            }
            else if (Producer.ExactlyOnce)
            {
                // Dirty under exactly-once: the stores may hold writes of the aborted transaction.
                _stateDirectory.Wipe(id);
            }
        }
        finally
        {
            _stateDirectory.Unlock(id, _owner);
            LogClosed(id, clean ? "clean" : "dirty");
        }
    }

    private void CloseStandby(TaskId id, StandbyTask standby)
    {
        _standby.Remove(id);
        _changelogs.Unregister(standby.Changelogs.Select(c => c.Partition));
        try
        {
            FlushStores(standby.Task);
            WriteCheckpoint(id, standby.CheckpointOffsets());
            standby.Task.Close(clean: true);
        }
        finally
        {
            _stateDirectory.Unlock(id, _owner);
            LogClosed(id, "standby");
        }
    }
}
