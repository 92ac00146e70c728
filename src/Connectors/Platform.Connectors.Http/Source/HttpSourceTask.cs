using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Platform.Connect;
using Platform.Connect.Connectors;
using Platform.Connect.Data;
using Platform.Connectors.Http.Common;
using static Platform.Connectors.Http.Source.HttpSourceConnector;

namespace Platform.Connectors.Http.Source;

/// <summary>Serves the ingest endpoint with Kestrel; see <see cref="HttpSourceConnector"/>.</summary>
public sealed class HttpSourceTask : SourceTask
{
    private static readonly IReadOnlyDictionary<string, object?> NoSourcePosition = new Dictionary<string, object?>();

    private readonly Channel<SourceRecord> _queue = Channel.CreateUnbounded<SourceRecord>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConditionalWeakTable<SourceRecord, IngestRequest> _requests = [];
    private readonly HashSet<IngestRequest> _pending = [];
    private WebApplication? _app;
    private string _topic = null!;
    private string _path = null!;
    private byte[]? _token;
    private int _maxPendingRequests;
    private int _maxQueuedRecords;
    private int _batchSize;
    private TimeSpan _ackTimeout;
    private int _pendingCount;
    private int _queuedRecords;
    private volatile bool _stopping;

    /// <inheritdoc/>
    public override async Task StartAsync(IReadOnlyDictionary<string, string> config, CancellationToken cancellationToken = default)
    {
        var parsed = Definition.Parse(config);
        _topic = parsed.GetString(Topic)!;
        _path = parsed.GetString(PathKey)!;
        _token = parsed.GetString(AuthToken) is { Length: > 0 } token ? Encoding.UTF8.GetBytes("Bearer " + token) : null;
        _maxPendingRequests = parsed.GetInt(MaxPendingRequests);
        _maxQueuedRecords = parsed.GetInt(MaxQueuedRecords);
        _batchSize = parsed.GetInt(BatchSize);
        _ackTimeout = TimeSpan.FromMilliseconds(parsed.GetLong(AckTimeoutMs));
        var endpoint = ListenAddress.TryParse(parsed.GetString(Listen), out _)!;
        var maxBody = parsed.GetLong(MaxBodyBytes);

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(options =>
        {
            options.Listen(endpoint);
            options.Limits.MaxRequestBodySize = maxBody;
            options.AddServerHeader = false;
        });
        _app = builder.Build();
        _app.Run(HandleAsync);
        try
        {
            await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new ConnectException($"Cannot listen on {Listen} '{endpoint}': {e.Message}", e);
        }
    }

    /// <inheritdoc/>
    public override async Task<IReadOnlyList<SourceRecord>> PollAsync(CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            await _queue.Reader.WaitToReadAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return [];
        }

        var records = new List<SourceRecord>();
        while (records.Count < _batchSize && _queue.Reader.TryRead(out var record))
        {
            records.Add(record);
        }

        Interlocked.Add(ref _queuedRecords, -records.Count);
        return records;
    }

    /// <inheritdoc/>
    public override Task CommitRecordAsync(SourceRecord record, RecordMetadata? metadata, CancellationToken cancellationToken = default)
    {
        if (_requests.TryGetValue(record, out var request))
        {
            _requests.Remove(record);
            request.Acknowledge(metadata is not null);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override async Task StopAsync(CancellationToken cancellationToken = default)
    {
        _stopping = true;
        lock (_pending)
        {
            foreach (var request in _pending)
            {
                request.Fail(new ConnectException("The task is stopping; the records were not all acknowledged."));
            }
        }

        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
            _app = null;
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        if (!string.Equals(request.Path.Value, _path, StringComparison.Ordinal) && !(request.Path.Value is null or "" && _path == "/"))
        {
            await RespondAsync(context, StatusCodes.Status404NotFound, $"No ingest endpoint at {request.Path}; POST to {_path}.").ConfigureAwait(false);
            return;
        }

        if (!HttpMethods.IsPost(request.Method))
        {
            context.Response.Headers.Allow = "POST";
            await RespondAsync(context, StatusCodes.Status405MethodNotAllowed, "Only POST is accepted.").ConfigureAwait(false);
            return;
        }

        if (_token is not null && !Authorized(request))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await RespondAsync(context, StatusCodes.Status401Unauthorized, "A valid bearer token is required.").ConfigureAwait(false);
            return;
        }

        if (_stopping)
        {
            await RespondAsync(context, StatusCodes.Status503ServiceUnavailable, "The connector is stopping.", retryAfter: true).ConfigureAwait(false);
            return;
        }

        if (Interlocked.Increment(ref _pendingCount) > _maxPendingRequests)
        {
            Interlocked.Decrement(ref _pendingCount);
            await RespondAsync(context, StatusCodes.Status429TooManyRequests,
                $"{_maxPendingRequests} requests are already waiting for acknowledgement.", retryAfter: true).ConfigureAwait(false);
            return;
        }

        try
        {
            await IngestAsync(context).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _pendingCount);
        }
    }

    private async Task IngestAsync(HttpContext context)
    {
        if (Volatile.Read(ref _queuedRecords) >= _maxQueuedRecords)
        {
            await RespondAsync(context, StatusCodes.Status503ServiceUnavailable,
                $"{_maxQueuedRecords} records are queued for the broker already.", retryAfter: true).ConfigureAwait(false);
            return;
        }

        var kind = IngestBodyParser.KindOf(context.Request.ContentType);
        if (kind == IngestBodyParser.Kind.Unsupported)
        {
            await RespondAsync(context, StatusCodes.Status415UnsupportedMediaType,
                $"Content-Type '{context.Request.ContentType}' is not accepted: use application/json, application/x-ndjson or text/plain.").ConfigureAwait(false);
            return;
        }

        List<(Schema? Schema, object? Value)> values;
        try
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted).ConfigureAwait(false);
            values = IngestBodyParser.Parse(kind, body.GetBuffer().AsMemory(0, (int)body.Length));
        }
        catch (FormatException e)
        {
            await RespondAsync(context, StatusCodes.Status400BadRequest, $"Malformed body: {e.Message}").ConfigureAwait(false);
            return;
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await RespondAsync(context, StatusCodes.Status413PayloadTooLarge, e.Message).ConfigureAwait(false);
            return;
        }

        if (values.Count == 0)
        {
            await RespondAsync(context, StatusCodes.Status200OK, null, accepted: 0).ConfigureAwait(false);
            return;
        }

        var ingest = new IngestRequest(values.Count);
        lock (_pending)
        {
            _pending.Add(ingest);
        }

        try
        {
            var headers = new ConnectHeader[] { new("http.remote.address", Schema.StringSchema, context.Connection.RemoteIpAddress?.ToString() ?? string.Empty) };
            Interlocked.Add(ref _queuedRecords, values.Count);
            foreach (var (schema, value) in values)
            {
                var record = new SourceRecord(NoSourcePosition, NoSourcePosition, _topic, null, null, null, schema, value, null, headers);
                _requests.Add(record, ingest);
                _queue.Writer.TryWrite(record);
            }

            int dropped;
            try
            {
                dropped = await ingest.Completion.WaitAsync(_ackTimeout, context.RequestAborted).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                await RespondAsync(context, StatusCodes.Status504GatewayTimeout,
                    $"The broker did not acknowledge the records within {_ackTimeout.TotalMilliseconds} ms; they may still be written.").ConfigureAwait(false);
                return;
            }
            catch (ConnectException e)
            {
                await RespondAsync(context, StatusCodes.Status503ServiceUnavailable, e.Message, retryAfter: true).ConfigureAwait(false);
                return;
            }

            await RespondAsync(context, StatusCodes.Status200OK, null, accepted: values.Count - dropped, dropped: dropped).ConfigureAwait(false);
        }
        finally
        {
            lock (_pending)
            {
                _pending.Remove(ingest);
            }
        }
    }

    private bool Authorized(HttpRequest request)
    {
        var given = Encoding.UTF8.GetBytes(request.Headers.Authorization.ToString());
        return CryptographicOperations.FixedTimeEquals(given, _token);
    }

    // Errors use Kafka Connect's REST error shape, so the same tooling reads both.
    private static async Task RespondAsync(HttpContext context, int status, string? message, bool retryAfter = false, int accepted = 0, int dropped = 0)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        if (retryAfter)
        {
            response.Headers.RetryAfter = "1";
        }

        var body = new Dictionary<string, object?>();
        if (status == StatusCodes.Status200OK)
        {
            body["accepted"] = (long)accepted;
            body["dropped"] = (long)dropped;
        }
        else
        {
            body["error_code"] = (long)status;
            body["message"] = message;
        }

        await response.Body.WriteAsync(SchemalessJson.ToUtf8Bytes(body), context.RequestAborted).ConfigureAwait(false);
    }
}
