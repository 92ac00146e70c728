using Microsoft.Extensions.Logging;
using Platform.Client;
using Platform.Streams.Errors;
using Platform.Streams.State;

namespace Platform.Streams.Processors.Internal;

/// <summary>
/// What a task's nodes share: identity, configuration, the record being processed (the record context),
/// stream time, stores, punctuators, the collector and the error handlers. One per task, used only on
/// the task's thread.
/// </summary>
internal sealed class TaskContext
{
    private RecordMetadata? _metadata;

    public TaskContext(string applicationId, TaskId taskId, StreamsConfig config, IRecordCollector collector, IClock clock, ILogger logger)
    {
        ApplicationId = applicationId;
        TaskId = taskId;
        Config = config;
        Collector = collector;
        Clock = clock;
        Logger = logger;
        ProcessingExceptionHandler = config.ProcessingExceptionHandler;
        DeserializationExceptionHandler = config.DeserializationExceptionHandler;
        DefaultTimestampExtractor = config.DefaultTimestampExtractor;
        DeadLetterQueueTopic = config.DeadLetterQueueTopicName;
    }

    public string ApplicationId { get; }

    public TaskId TaskId { get; }

    public StreamsConfig Config { get; }

    public IRecordCollector Collector { get; }

    public IClock Clock { get; }

    public ILogger Logger { get; }

    public IProcessingExceptionHandler ProcessingExceptionHandler { get; }

    public IDeserializationExceptionHandler DeserializationExceptionHandler { get; }

    public ITimestampExtractor DefaultTimestampExtractor { get; }

    public string? DeadLetterQueueTopic { get; }

    /// <summary>The task's stores by name (the outermost layer), set when stores open.</summary>
    public Dictionary<string, IStateStore> Stores { get; } = new(StringComparer.Ordinal);

    /// <summary>The instance's global stores by name.</summary>
    public IReadOnlyDictionary<string, IStateStore> GlobalStores { get; set; } = new Dictionary<string, IStateStore>();

    /// <summary>The task's punctuators.</summary>
    public PunctuationQueue StreamTimePunctuations { get; } = new();

    /// <summary>The task's wall-clock punctuators.</summary>
    public PunctuationQueue WallClockPunctuations { get; } = new();

    /// <summary>The largest timestamp processed so far, -1 before the first record.</summary>
    public long StreamTime { get; set; } = -1;

    /// <summary>Flushes of the processors that hold records back until the commit (combiners), see <see cref="IBufferingProcessor"/>.</summary>
    public List<Action> BufferingProcessors { get; } = [];

    /// <summary>The combiner tables of the task's thread, shared with its other tasks (<see cref="TaskEnvironment.Combiners"/>).</summary>
    public CombinerTables Combiners { get; init; } = new();

    /// <summary>Set by a processor's <c>Commit()</c>.</summary>
    public bool CommitRequested { get; set; }

    // The record context: where the record being processed came from, and its timestamp and headers as the
    // current node sees them. Plain fields: they change for every record and every forward.

    /// <summary>The source topic, or null inside a punctuator.</summary>
    public string? Topic;

    /// <summary>The source partition, or -1.</summary>
    public int Partition = -1;

    /// <summary>The source offset, or -1.</summary>
    public long Offset = -1;

    /// <summary>The timestamp of the record the current node processes.</summary>
    public long Timestamp;

    /// <summary>The headers of the record the current node processes.</summary>
    public Headers? Headers;

    /// <summary>The raw source key and value, kept only while a dead-letter topic is set (for processing errors).</summary>
    public byte[]? RawKey;

    /// <inheritdoc cref="RawKey"/>
    public byte[]? RawValue;

    /// <summary>The record metadata, made on first use per record.</summary>
    public RecordMetadata? Metadata
    {
        get
        {
            if (Topic is null)
            {
                return null;
            }

            if (_metadata is null || _metadata.Offset != Offset || _metadata.Partition != Partition || !ReferenceEquals(_metadata.Topic, Topic))
            {
                _metadata = new RecordMetadata(Topic, Partition, Offset);
            }

            return _metadata;
        }
    }

    /// <summary>Sets the record context for a source record.</summary>
    public void SetSourceRecord(string topic, int partition, long offset, long timestamp, Headers? headers)
    {
        // References are written only when they change (mostly not, from one record to the next): each store of one
        // costs a write barrier.
        if (!ReferenceEquals(Topic, topic))
        {
            Topic = topic;
        }

        if (!ReferenceEquals(Headers, headers))
        {
            Headers = headers;
        }

        Partition = partition;
        Offset = offset;
        Timestamp = timestamp;
    }

    /// <summary>Sets the record context for a punctuator firing at <paramref name="timestamp"/>.</summary>
    public void SetPunctuationRecord(long timestamp)
    {
        Topic = null;
        Partition = -1;
        Offset = -1;
        Timestamp = timestamp;
        Headers = null;
        RawKey = null;
        RawValue = null;
    }

    /// <summary>An error context for the handlers.</summary>
    public ErrorHandlerContext ErrorContext(string nodeName)
        => new(Topic ?? "", Partition, Offset, Headers, nodeName, TaskId, Timestamp);

    /// <summary>Writes a skipped record to the dead-letter topic, if one is set, with the failure in headers (KIP-1034's names).</summary>
    public void SendToDeadLetterQueue(byte[]? key, byte[]? value, Exception exception)
    {
        if (DeadLetterQueueTopic is null)
        {
            return;
        }

        var headers = new Headers();
        if (Headers is not null)
        {
            foreach (var header in Headers)
            {
                headers.Add(header);
            }
        }

        headers.Add("__streams.errors.exception", System.Text.Encoding.UTF8.GetBytes(exception.GetType().FullName ?? exception.GetType().Name));
        headers.Add("__streams.errors.message", System.Text.Encoding.UTF8.GetBytes(exception.Message));
        headers.Add("__streams.errors.stacktrace", System.Text.Encoding.UTF8.GetBytes(exception.ToString()));
        headers.Add("__streams.errors.topic", System.Text.Encoding.UTF8.GetBytes(Topic ?? ""));
        headers.Add("__streams.errors.partition", System.Text.Encoding.UTF8.GetBytes(Partition.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        headers.Add("__streams.errors.offset", System.Text.Encoding.UTF8.GetBytes(Offset.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Collector.Send(DeadLetterQueueTopic, key, key is null, value, value is null, headers, Timestamp, -1);
    }
}
