using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Platform.Connect;
using Platform.Connect.Connectors;
using Platform.Connect.Data;
using Platform.Connectors.Http.Common;
using static Platform.Connectors.Http.Sink.HttpSinkConnector;

namespace Platform.Connectors.Http.Sink;

/// <summary>Sends records to an HTTP API in batches; see <see cref="HttpSinkConnector"/>.</summary>
public sealed class HttpSinkTask : SinkTask
{
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };

    private HttpClient _client = null!;
    private Uri _url = null!;
    private HttpMethod _method = HttpMethod.Post;
    private List<KeyValuePair<string, string>> _headers = [];
    private int _batchSize;
    private TimeSpan _timeout;
    private int _maxRetries;
    private TimeSpan _backoff;
    private TimeSpan _maxBackoff;

    /// <inheritdoc/>
    public override Task StartAsync(IReadOnlyDictionary<string, string> config, CancellationToken cancellationToken = default)
    {
        var parsed = Definition.Parse(config);
        _url = new Uri(parsed.GetString(ApiUrl)!);
        _method = new HttpMethod(parsed.GetString(Method)!.ToUpperInvariant());
        _headers = HeaderList.TryParse(parsed.GetString(Headers), out _)!;
        _batchSize = parsed.GetInt(BatchSize);
        _timeout = TimeSpan.FromMilliseconds(parsed.GetLong(TimeoutMs));
        _maxRetries = parsed.GetInt(MaxRetries);
        _backoff = TimeSpan.FromMilliseconds(parsed.GetLong(RetryBackoffMs));
        _maxBackoff = TimeSpan.FromMilliseconds(parsed.GetLong(RetryBackoffMaxMs));
        _client = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override async Task PutAsync(IReadOnlyList<SinkRecord> records, CancellationToken cancellationToken)
    {
        for (var start = 0; start < records.Count; start += _batchSize)
        {
            var batch = records.Skip(start).Take(_batchSize).ToList();
            var (status, body) = await SendWithRetriesAsync(batch, cancellationToken).ConfigureAwait(false);
            if (status < 400)
            {
                continue;
            }

            if (batch.Count == 1)
            {
                await RejectAsync(batch[0], status, body, cancellationToken).ConfigureAwait(false);
                continue;
            }

            // The API refused the batch: find which records it refuses by sending them one at a time.
            foreach (var record in batch)
            {
                var (single, singleBody) = await SendWithRetriesAsync([record], cancellationToken).ConfigureAwait(false);
                if (single >= 400)
                {
                    await RejectAsync(record, single, singleBody, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    /// <inheritdoc/>
    public override Task StopAsync(CancellationToken cancellationToken = default)
    {
        _client?.Dispose();
        return Task.CompletedTask;
    }

    private Task RejectAsync(SinkRecord record, int status, string body, CancellationToken cancellationToken)
        => Context.ReportErrantRecordAsync(record,
            new ConnectException($"{_method} {_url} rejected the record with {status}: {body}"), cancellationToken);

    /// <summary>Sends the values as one JSON array; returns the status (below 500) and body, retrying the rest.</summary>
    private async Task<(int Status, string Body)> SendWithRetriesAsync(List<SinkRecord> batch, CancellationToken cancellationToken)
    {
        var payload = SchemalessJson.ToUtf8Bytes(batch.Select(r => r.Value).ToList());
        for (var attempt = 0; ; attempt++)
        {
            string failure;
            using (var request = new HttpRequestMessage(_method, _url) { Content = new ByteArrayContent(payload) })
            {
                request.Content.Headers.ContentType = Json;
                HeaderList.Apply(request, _headers);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_timeout);
                try
                {
                    using var response = await _client.SendAsync(request, timeout.Token).ConfigureAwait(false);
                    var body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
                    var status = (int)response.StatusCode;
                    if (status < 500 && response.StatusCode is not (HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests))
                    {
                        return (status, body.Length > 500 ? body[..500] : body);
                    }

                    failure = $"{status} {(body.Length > 200 ? body[..200] : body)}";
                }
                catch (HttpRequestException e)
                {
                    failure = e.Message;
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    failure = $"no response within {_timeout.TotalMilliseconds} ms";
                }
            }

            var backoff = Backoff(attempt);
            if (attempt >= _maxRetries)
            {
                Context.Timeout(backoff);
                throw new RetriableException($"{_method} {_url} failed {attempt + 1} times, last: {failure}");
            }

            await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
        }
    }

    private TimeSpan Backoff(int attempt)
    {
        var millis = _backoff.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 30));
        return TimeSpan.FromMilliseconds(Math.Min(millis, _maxBackoff.TotalMilliseconds));
    }
}
