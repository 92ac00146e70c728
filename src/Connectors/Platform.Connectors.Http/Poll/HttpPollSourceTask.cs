using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Platform.Connect;
using Platform.Connect.Connectors;
using Platform.Connect.Data;
using Platform.Connectors.Http.Common;

namespace Platform.Connectors.Http.Poll;

/// <summary>Polls an HTTP API; see <see cref="HttpPollSourceConnector"/>.</summary>
public sealed class HttpPollSourceTask : SourceTask
{
    private HttpClient _client = null!;
    private HttpPollSettings _settings = null!;
    private IReadOnlyDictionary<string, object?> _partition = null!;
    private long _offset;
    private string _cursor = "";
    private int _skip;
    private bool _wait;

    /// <inheritdoc/>
    public override Task StartAsync(IReadOnlyDictionary<string, string> config, CancellationToken cancellationToken = default)
    {
        _settings = HttpPollSettings.Parse(config);
        _client = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        _partition = new Dictionary<string, object?> { ["url"] = _settings.UrlTemplate };
        _offset = _settings.InitialOffset;
        _cursor = _settings.InitialCursor;
        if (Context.OffsetStorageReader.Offset(_partition) is { } stored)
        {
            if (stored.TryGetValue("offset", out var offset) && offset is not null)
            {
                _offset = Convert.ToInt64(offset, CultureInfo.InvariantCulture);
            }

            if (stored.TryGetValue("cursor", out var cursor) && cursor is not null)
            {
                _cursor = Convert.ToString(cursor, CultureInfo.InvariantCulture) ?? "";
                _skip = stored.TryGetValue("index", out var index) && index is not null ? Convert.ToInt32(index, CultureInfo.InvariantCulture) : 0;
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override async Task<IReadOnlyList<SourceRecord>> PollAsync(CancellationToken cancellationToken)
    {
        if (_wait)
        {
            await Context.WaitForNextPollAsync(_settings.PollCron, _settings.PollInterval, cancellationToken).ConfigureAwait(false);
            _wait = false;
        }

        using var document = await FetchAsync(cancellationToken).ConfigureAwait(false);
        var items = Items(document.RootElement);
        var records = new List<SourceRecord>(items.Count);
        switch (_settings.Mode)
        {
            case "offset":
                foreach (var item in items)
                {
                    records.Add(Record(item, new Dictionary<string, object?> { ["offset"] = _offset + records.Count + 1 }));
                }

                _offset += items.Count;
                _wait = items.Count == 0;
                break;
            case "cursor":
                var next = JsonPath.Find(document.RootElement, _settings.CursorPath) is { } c && c.ValueKind is JsonValueKind.String or JsonValueKind.Number
                    ? c.ToString() : null;
                var advances = next is not null && next != _cursor;
                for (var i = Math.Min(_skip, items.Count); i < items.Count; i++)
                {
                    // Each record says how much of the page fetched with the current cursor is taken; the last one of
                    // a page that has a successor moves the stored position to the next cursor.
                    var offset = advances && i == items.Count - 1
                        ? new Dictionary<string, object?> { ["cursor"] = next, ["index"] = 0L }
                        : new Dictionary<string, object?> { ["cursor"] = _cursor, ["index"] = (long)(i + 1) };
                    records.Add(Record(items[i], offset));
                }

                if (advances)
                {
                    _cursor = next!;
                    _skip = 0;
                }
                else
                {
                    _skip = items.Count;
                    _wait = true;
                }

                break;
            default:
                foreach (var item in items)
                {
                    records.Add(Record(item, new Dictionary<string, object?>()));
                }

                _wait = true;
                break;
        }

        return records;
    }

    /// <inheritdoc/>
    public override Task StopAsync(CancellationToken cancellationToken = default)
    {
        _client?.Dispose();
        return Task.CompletedTask;
    }

    private SourceRecord Record(JsonElement item, Dictionary<string, object?> offset)
    {
        object? key = null;
        if (_settings.KeyPath.Length > 0 && JsonPath.Find(item, _settings.KeyPath) is { } keyElement)
        {
            key = SchemalessJson.ToValue(keyElement);
        }

        return new SourceRecord(_settings.Mode == "none" ? null : _partition, offset, _settings.Topic, null, null, key, null, SchemalessJson.ToValue(item));
    }

    private List<JsonElement> Items(JsonElement root)
    {
        var found = JsonPath.Find(root, _settings.RecordsPath);
        return found?.ValueKind switch
        {
            null or JsonValueKind.Null => [],
            JsonValueKind.Array => found.Value.EnumerateArray().ToList(),
            JsonValueKind.Object => [found.Value],
            var kind => throw new DataException($"The value at http.response.records.path '{_settings.RecordsPath}' is a {kind}, not an array or object."),
        };
    }

    private async Task<JsonDocument> FetchAsync(CancellationToken cancellationToken)
    {
        var url = Expand(_settings.UrlTemplate, escape: true);
        using var request = new HttpRequestMessage(_settings.Method, url);
        if (_settings.Method == HttpMethod.Post)
        {
            request.Content = new StringContent(Expand(_settings.BodyTemplate, escape: false), Encoding.UTF8, "application/json");
        }

        HeaderList.Apply(request, _settings.Headers);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_settings.Timeout);
        HttpResponseMessage response;
        try
        {
            response = await _client.SendAsync(request, timeout.Token).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new RetriableException($"{_settings.Method} {url} failed: {e.Message}", e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RetriableException($"{_settings.Method} {url} timed out after {_settings.Timeout.TotalMilliseconds} ms.", e);
        }

        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (status >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests)
            {
                throw new RetriableException($"{_settings.Method} {url} returned {status}: {Snippet(body)}");
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new ConnectException($"{_settings.Method} {url} returned {status}: {Snippet(body)}");
            }

            try
            {
                return JsonDocument.Parse(body);
            }
            catch (JsonException e)
            {
                throw new ConnectException($"{_settings.Method} {url} did not return JSON: {e.Message}", e);
            }
        }
    }

    private string Expand(string template, bool escape)
        => template
            .Replace("${offset}", _offset.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("${cursor}", escape ? Uri.EscapeDataString(_cursor) : _cursor, StringComparison.Ordinal);

    private static string Snippet(byte[] body) => Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 500));
}
