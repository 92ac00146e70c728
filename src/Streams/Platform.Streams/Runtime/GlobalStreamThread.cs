using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Platform.Client;
using Platform.Client.Admin;
using Platform.Streams.Errors;
using Platform.Streams.Processors.Internal;
using Platform.Streams.State;

namespace Platform.Streams.Runtime;

/// <summary>
/// Keeps the instance's global stores (global tables) up to date (Kafka's <c>GlobalStreamThread</c>): at start it
/// reads every partition of the global topics up to their end before any stream thread runs, so joins see a
/// complete table; then it goes on reading them on its own thread. Persistent global stores checkpoint the
/// offsets they hold (in <c>&lt;state.dir&gt;/&lt;application.id&gt;/global/.checkpoint</c>) on close.
/// </summary>
internal sealed partial class GlobalStreamThread
{
    private readonly StreamsRuntime _runtime;
    private readonly Action<Exception> _onFailure;
    private readonly ILogger _logger;
    private readonly IConsumer<byte[]?, byte[]?> _consumer;
    private readonly Thread _thread;
    private readonly RawRecordHandler _onRecord;
    private GlobalStateTask? _task;
    private volatile bool _stop;

    /// <summary>A global thread for the instance <paramref name="clientId"/>.</summary>
    public GlobalStreamThread(StreamsRuntime runtime, string clientId, Action<Exception> onFailure)
    {
        _runtime = runtime;
        _onFailure = onFailure;
        _logger = runtime.LoggerFactory.CreateLogger("Platform.Streams.GlobalStreamThread");
        var settings = runtime.Config.ConsumerSettings("global.consumer.");
        settings.Remove("group.id");
        settings.Remove("group.instance.id");
        settings.Remove("partition.assignment.strategy");
        settings["client.id"] = clientId + "-global-consumer";
        settings["enable.auto.commit"] = "false";
        settings["auto.offset.reset"] = "earliest";
        settings["isolation.level"] = runtime.Config.ExactlyOnce ? "read_committed" : "read_uncommitted";
        _consumer = new ConsumerBuilder<byte[]?, byte[]?>(settings).Build();
        _onRecord = OnRecord;
        _thread = new Thread(Run) { IsBackground = true, Name = clientId + "-GlobalStreamThread" };
    }

    /// <summary>Whether the global stores caught up and the thread is following their topics.</summary>
    public bool Running { get; private set; }

    private string CheckpointPath => Path.Combine(_runtime.StateDirectory.ApplicationDirectory, "global", OffsetCheckpoint.FileName);

    /// <summary>Opens the global stores and reads the global topics up to their end; returns the stores by name.</summary>
    public IReadOnlyDictionary<string, IStateStore> Initialize()
    {
        _task = _runtime.Topology.CreateGlobalTask(new TaskEnvironment(_runtime.Config, new NoOutput(), null, SystemClock.Instance, _logger, new Dictionary<string, IStateStore>()))!;
        var partitions = _task.Topics.SelectMany(topic => Enumerable.Range(0, _runtime.PartitionCount(topic)).Select(p => new TopicPartition(topic, p))).ToList();
        var ends = _runtime.Admin.ListOffsetsAsync(
            partitions.Select(p => new TopicPartitionOffsetSpec(p, OffsetSpec.Latest())),
            new ListOffsetsOptions { IsolationLevel = _runtime.Config.ExactlyOnce ? IsolationLevel.ReadCommitted : IsolationLevel.ReadUncommitted })
            .GetAwaiter().GetResult().ResultInfos.ToDictionary(r => r.TopicPartition, r => r.Offset);
        var checkpoint = File.Exists(CheckpointPath) ? new OffsetCheckpoint(CheckpointPath).Read() : [];
        if (ChangelogReader.PastTheEnd(checkpoint, ends) is { Count: > 0 } past)
        {
            // The topic has another history now (created again, or another cluster): the stores would keep records it
            // no longer has. They are rebuilt from the topic, as Kafka does.
            LogCheckpointPastTheEnd(string.Join(", ", past));
            Directory.Delete(Path.GetDirectoryName(CheckpointPath)!, recursive: true);
            checkpoint = [];
        }

        _task.InitializeStores();
        _task.InitializeTopology();
        var persistent = _task.Registrations.Count > 0 && _task.Registrations.All(r => r.Persistent);
        _consumer.Assign(partitions.Select(p => new TopicPartitionOffset(p, persistent && checkpoint.TryGetValue(p, out var offset) ? new Offset(offset) : Offset.Beginning)));
        var deadline = Stopwatch.GetTimestamp() + (long)(TimeSpan.FromMinutes(5).TotalSeconds * Stopwatch.Frequency);
        while (ends.Any(e => _consumer.Position(e.Key).Value < e.Value))
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new StreamsException($"The global stores did not catch up with {string.Join(", ", _task.Topics)} within 5 minutes.");
            }

            _consumer.ConsumeRaw(_onRecord, TimeSpan.FromMilliseconds(100));
        }

        return _task.Stores;
    }

    /// <summary>Starts following the global topics.</summary>
    public void Start()
    {
        Running = true;
        _thread.Start();
    }

    /// <summary>Stops the thread, checkpoints and closes the global stores.</summary>
    public void Stop()
    {
        _stop = true;
        if (_thread.IsAlive)
        {
            _thread.Join();
        }
        else if (_task is not null)
        {
            CloseTask();
        }
    }

    private void Run()
    {
        try
        {
            while (!_stop)
            {
                _consumer.ConsumeRaw(_onRecord, TimeSpan.FromMilliseconds(100));
            }
        }
        catch (Exception ex)
        {
            LogFailed(ex);
            Running = false;
            _onFailure(ex);
        }
        finally
        {
            CloseTask();
        }
    }

    private void CloseTask()
    {
        var task = Interlocked.Exchange(ref _task, null);
        if (task is null)
        {
            return;
        }

        task.Flush();
        if (task.Registrations.Count > 0 && task.Registrations.All(r => r.Persistent) && task.Offsets.Count > 0)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(CheckpointPath)!);
            new OffsetCheckpoint(CheckpointPath).Write(new Dictionary<TopicPartition, long>(task.Offsets));
        }

        task.Close();
        _consumer.Dispose();
    }

    private void OnRecord(RawRecord record)
    {
        Headers? headers = null;
        if (record.Headers.Count > 0)
        {
            headers = [];
            foreach (var header in record.Headers)
            {
                headers.Add(header.KeyString, header.Value?.ToArray());
            }
        }

        var partition = record.TopicPartition;
        _task!.Update(new ConsumedRecord(partition.Topic, partition.Partition, record.Offset, record.Timestamp, record.TimestampType, record.Key, record.IsKeyNull, record.Value, record.IsValueNull, headers));
    }

    [LoggerMessage(EventId = 9150, Level = LogLevel.Error, Message = "The global stream thread failed; the instance shuts down")]
    private partial void LogFailed(Exception exception);

    [LoggerMessage(EventId = 9151, Level = LogLevel.Warning, Message = "The global stores' checkpoint is past the end of {Partitions} (the topic was created again, or this is another cluster): wiping them to read the topics again")]
    private partial void LogCheckpointPastTheEnd(string partitions);

    /// <summary>Global processors only update their stores; a record sent from one has nowhere to go.</summary>
    private sealed class NoOutput : IRecordCollector
    {
        public void Send(string topic, ReadOnlySpan<byte> key, bool keyIsNull, ReadOnlySpan<byte> value, bool valueIsNull, Headers? headers, long timestamp, int partition)
            => throw new StreamsException($"A global store's processor tried to send a record to '{topic}'; global processors may only update their stores.");

        public int PartitionCount(string topic) => throw new StreamsException($"A global store's processor asked for the partitions of '{topic}'; global processors may only update their stores.");
    }
}
