using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Platform.Streams.Runtime.Queries;

namespace Platform.Streams.Hosting;

/// <summary>
/// Interactive queries over HTTP (ASP.NET Core minimal API), JSON in and out, under a prefix:
/// <list type="bullet">
/// <item><c>GET {prefix}/stores/{store}/keys/{key}</c>: a key-value store's value of a key.</item>
/// <item><c>GET {prefix}/stores/{store}/range?from=&amp;to=</c>: its entries with keys in [from, to] (both optional).</item>
/// <item><c>GET {prefix}/stores/{store}/all</c>: all its entries.</item>
/// <item><c>GET {prefix}/stores/{store}/windows/{key}?from=&amp;to=</c>: a window store's windows of a key starting in [from, to] (epoch ms, both optional).</item>
/// <item><c>GET {prefix}/stores/{store}/sessions/{key}</c>: a session store's sessions of a key.</item>
/// <item><c>GET {prefix}/metadata</c>: every instance of the application (<c>application.server</c>), with the
/// input partitions and stores of its active and standby tasks.</item>
/// <item><c>GET {prefix}/metadata/{store}</c>: the instances hosting a store.</item>
/// <item><c>GET {prefix}/metadata/{store}/{key}</c>: which instance hosts a key.</item>
/// </list>
/// Keys in the path are read as the store's key type (text, number, or JSON); an unknown store answers 404, a
/// bad parameter 400, a store not (yet) running here 503, each with <c>{"error": ...}</c> naming what was wrong.
/// Only this instance's data is served: ask <c>/metadata</c> (answered by any instance, from the group's last
/// assignment, whether or not it runs the store) which instance to query for a key.
/// </summary>
public static class StreamsQueryEndpoints
{
    /// <summary>Maps the query endpoints of <paramref name="streams"/> under <paramref name="prefix"/>.</summary>
    public static RouteGroupBuilder MapStreamsQueries(this IEndpointRouteBuilder endpoints, KafkaStreams streams, string prefix = "/streams")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(streams);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        var group = endpoints.MapGroup(prefix);
        group.MapGet("/stores/{store}/keys/{key}", (string store, string key) => Serve(streams, store, detached: false, adapter =>
            adapter.Get(streams, store, key) is { } value
                ? Results.Json(new JsonObject { ["store"] = store, ["key"] = StoreQueryAdapter.Render(key), ["value"] = value })
                : Error(StatusCodes.Status404NotFound, $"Key '{key}' is not in state store '{store}' on this instance.")));
        group.MapGet("/stores/{store}/range", (string store, string? from, string? to) => Serve(streams, store, detached: false, adapter =>
            Results.Json(adapter.Range(streams, store, from, to))));
        group.MapGet("/stores/{store}/all", (string store) => Serve(streams, store, detached: false, adapter =>
            Results.Json(adapter.Range(streams, store, null, null))));
        group.MapGet("/stores/{store}/windows/{key}", (string store, string key, string? from, string? to) =>
            TryParseMs(from, "from", 0, out var fromMs, out var bad) && TryParseMs(to, "to", long.MaxValue, out var toMs, out bad)
                ? Serve(streams, store, detached: false, adapter => Results.Json(adapter.FetchWindows(streams, store, key, fromMs, toMs)))
                : bad!);
        group.MapGet("/stores/{store}/sessions/{key}", (string store, string key) => Serve(streams, store, detached: false, adapter =>
            Results.Json(adapter.FetchSessions(streams, store, key))));
        group.MapGet("/metadata", () => Results.Json(Render(streams.MetadataForAllStreamsClients())));
        group.MapGet("/metadata/{store}", (string store) => streams.HasStore(store)
            ? Results.Json(Render(streams.StreamsMetadataForStore(store)))
            : Error(StatusCodes.Status404NotFound, $"The topology has no state store '{store}'."));
        group.MapGet("/metadata/{store}/{key}", (string store, string key) => Serve(streams, store, detached: true, adapter =>
        {
            var metadata = adapter.Metadata(streams, store, key);
            return Results.Json(new JsonObject
            {
                ["store"] = store,
                ["key"] = key,
                ["activeHost"] = metadata.ActiveHost == HostInfo.Unavailable ? null : metadata.ActiveHost.ToString(),
                ["standbyHosts"] = new JsonArray([.. metadata.StandbyHosts.Select(h => (JsonNode)h.ToString())]),
                ["partition"] = metadata.Partition,
            });
        }));
        return group;
    }

    private static JsonArray Render(IReadOnlyList<StreamsMetadata> instances) => [.. instances.Select(m => (JsonNode)new JsonObject
    {
        ["host"] = m.HostInfo.ToString(),
        ["stores"] = Strings(m.StateStoreNames),
        ["partitions"] = Partitions(m.TopicPartitions),
        ["standbyStores"] = Strings(m.StandbyStateStoreNames),
        ["standbyPartitions"] = Partitions(m.StandbyTopicPartitions),
    })];

    private static JsonArray Strings(IEnumerable<string> values) => [.. values.Order(StringComparer.Ordinal).Select(v => (JsonNode)v)];

    private static JsonArray Partitions(IEnumerable<Platform.Client.TopicPartition> partitions)
        => [.. partitions.OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition).Select(p => (JsonNode)new JsonObject { ["topic"] = p.Topic, ["partition"] = p.Partition })];

    /// <summary>
    /// Runs <paramref name="read"/> over an adapter of <paramref name="store"/>: made from a local instance, or when
    /// <paramref name="detached"/> (reads that need the store's types, not its data) from one built but not opened.
    /// </summary>
    private static IResult Serve(KafkaStreams streams, string store, bool detached, Func<StoreQueryAdapter, IResult> read)
    {
        if (!streams.HasStore(store))
        {
            return Error(StatusCodes.Status404NotFound, $"The topology has no state store '{store}'.");
        }

        try
        {
            if ((streams.AnyLocalStore(store) ?? (detached ? streams.BuildDetachedStore(store) : null)) is not { } instance)
            {
                return Error(StatusCodes.Status503ServiceUnavailable, $"State store '{store}' is not running on this instance (it may be restoring or moving in a rebalance; retry).");
            }

            return read(StoreQueryAdapter.For(instance, streams.Config));
        }
        catch (FormatException ex)
        {
            return Error(StatusCodes.Status400BadRequest, $"Parameter 'key' of state store '{store}': {ex.Message}");
        }
        catch (InvalidOperationException ex) when (ex is not InvalidStateStoreException)
        {
            return Error(StatusCodes.Status400BadRequest, ex.Message);
        }
        catch (InvalidStateStoreException ex)
        {
            return Error(StatusCodes.Status503ServiceUnavailable, ex.Message);
        }
    }

    private static bool TryParseMs(string? text, string name, long missing, out long value, out IResult? error)
    {
        error = null;
        if (text is null)
        {
            value = missing;
            return true;
        }

        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }

        error = Error(StatusCodes.Status400BadRequest, $"Parameter '{name}' must be a time in epoch milliseconds; got '{text}'.");
        return false;
    }

    private static IResult Error(int status, string message) => Results.Json(new JsonObject { ["error"] = message }, statusCode: status);
}
