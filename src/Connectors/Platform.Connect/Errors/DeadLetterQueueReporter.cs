using System.Globalization;
using System.Text;
using Platform.Client;
using Platform.Connect.Storage;

namespace Platform.Connect.Errors;

/// <summary>
/// Writes failed records to a connector's dead-letter topic (created when missing) with Kafka's context headers:
/// <c>__connect.errors.topic</c>, <c>.partition</c>, <c>.offset</c>, <c>.connector.name</c>, <c>.task.id</c>,
/// <c>.stage</c>, <c>.class.name</c>, <c>.exception.class.name</c>, <c>.exception.message</c>, <c>.exception.stacktrace</c>.
/// </summary>
public sealed class DeadLetterQueueReporter : IAsyncDisposable
{
    /// <summary>The prefix of the context headers.</summary>
    public const string HeaderPrefix = "__connect.errors.";

    private readonly string _bootstrap;
    private readonly ErrorSettings _settings;
    private readonly string _connector;
    private readonly int _task;
    private readonly SemaphoreSlim _init = new(1, 1);
    private IProducer<byte[]?, byte[]?>? _producer;

    /// <summary>A reporter for one task.</summary>
    public DeadLetterQueueReporter(string bootstrapServers, ErrorSettings settings, string connector, int task)
    {
        _bootstrap = bootstrapServers;
        _settings = settings;
        _connector = connector;
        _task = task;
    }

    /// <summary>Writes the record and waits for the broker's acknowledgement.</summary>
    public async Task ReportAsync(ErrorStage stage, Exception error, DeadLetterContext context, CancellationToken cancellationToken)
    {
        var topic = _settings.DeadLetterTopic ?? throw new InvalidOperationException("No dead-letter topic is configured.");
        var producer = await ProducerAsync(topic, cancellationToken).ConfigureAwait(false);
        var headers = new Headers();
        foreach (var (key, value) in context.Headers)
        {
            headers.Add(key, value);
        }

        if (_settings.ContextHeaders)
        {
            void Add(string name, string? value)
            {
                if (value is not null)
                {
                    headers.Add(HeaderPrefix + name, Encoding.UTF8.GetBytes(value));
                }
            }

            Add("topic", context.Topic);
            Add("partition", context.Partition?.ToString(CultureInfo.InvariantCulture));
            Add("offset", context.Offset?.ToString(CultureInfo.InvariantCulture));
            Add("connector.name", _connector);
            Add("task.id", _task.ToString(CultureInfo.InvariantCulture));
            Add("stage", StageName(stage));
            Add("class.name", context.ExecutingClass);
            var root = error is AggregateException { InnerException: { } inner } ? inner : error;
            Add("exception.class.name", root.GetType().FullName);
            Add("exception.message", root.Message);
            Add("exception.stacktrace", root.ToString());
        }

        await producer.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Key = context.Key, Value = context.Value, Headers = headers }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Kafka's spelling of a stage (<c>VALUE_CONVERTER</c>).</summary>
    public static string StageName(ErrorStage stage) => stage switch
    {
        ErrorStage.TaskPoll => "TASK_POLL",
        ErrorStage.TaskPut => "TASK_PUT",
        ErrorStage.Transformation => "TRANSFORMATION",
        ErrorStage.KeyConverter => "KEY_CONVERTER",
        ErrorStage.ValueConverter => "VALUE_CONVERTER",
        ErrorStage.HeaderConverter => "HEADER_CONVERTER",
        ErrorStage.KafkaProduce => "KAFKA_PRODUCE",
        _ => "KAFKA_CONSUME",
    };

    private async Task<IProducer<byte[]?, byte[]?>> ProducerAsync(string topic, CancellationToken cancellationToken)
    {
        if (_producer is { } existing)
        {
            return existing;
        }

        await _init.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_producer is null)
            {
                await KafkaBasedLog.EnsureTopicAsync(_bootstrap, topic, 1, _settings.DeadLetterReplicationFactor, cancellationToken, compact: false).ConfigureAwait(false);
                _producer = new ProducerBuilder<byte[]?, byte[]?>(new Dictionary<string, string>
                {
                    ["bootstrap.servers"] = _bootstrap,
                    ["client.id"] = $"connector-dlq-producer-{_connector}-{_task}",
                    ["acks"] = "all",
                    ["linger.ms"] = "0",
                }).Build();
            }

            return _producer;
        }
        finally
        {
            _init.Release();
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_producer is not null)
        {
            await _producer.DisposeAsync().ConfigureAwait(false);
        }

        _init.Dispose();
    }
}
