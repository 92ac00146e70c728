using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.Streams.SerDes;
using Platform.Streams.State;
using Platform.Streams.State.Internal;

namespace Platform.Streams.Runtime.Queries;

/// <summary>
/// Untyped reads of one store for the HTTP query endpoint: keys arrive as text and are read as the store's key
/// type (text as is, numbers parsed, anything else as JSON); values leave as JSON (text as a string, numbers as
/// numbers, objects through System.Text.Json). Made from an instance of the store (a local one, or for
/// <see cref="Metadata"/> alone one built but not opened), whose metered layer tells the key and value types
/// and the key serde.
/// </summary>
internal abstract class StoreQueryAdapter
{
    /// <summary>The store's kind: <c>keyValue</c>, <c>window</c> or <c>session</c>.</summary>
    public abstract string Kind { get; }

    /// <summary>The value of a key, or null when the store does not hold it.</summary>
    public abstract JsonNode? Get(KafkaStreams streams, string storeName, string key);

    /// <summary>Entries with keys in [<paramref name="from"/>, <paramref name="to"/>] (null: unbounded), in key order per task.</summary>
    public abstract JsonArray Range(KafkaStreams streams, string storeName, string? from, string? to);

    /// <summary>The windows of <paramref name="key"/> starting in [<paramref name="fromMs"/>, <paramref name="toMs"/>].</summary>
    public abstract JsonArray FetchWindows(KafkaStreams streams, string storeName, string key, long fromMs, long toMs);

    /// <summary>Every session of <paramref name="key"/>.</summary>
    public abstract JsonArray FetchSessions(KafkaStreams streams, string storeName, string key);

    /// <summary>Where <paramref name="key"/> lives.</summary>
    public abstract KeyQueryMetadata Metadata(KafkaStreams streams, string storeName, string key);

    /// <summary>The adapter of <paramref name="store"/>'s kind and types; <paramref name="config"/> gives the default key serde.</summary>
    /// <exception cref="InvalidStateStoreException">The store is of a kind the endpoint cannot read.</exception>
    public static StoreQueryAdapter For(IStateStore store, StreamsConfig config)
    {
        ArgumentNullException.ThrowIfNull(store);
        for (var type = store.GetType(); type is not null; type = type.BaseType)
        {
            if (!type.IsGenericType)
            {
                continue;
            }

            var definition = type.GetGenericTypeDefinition();
            var args = type.GetGenericArguments();
            Type? adapter =
                definition == typeof(MeteredTimestampedKeyValueStore<,>) ? typeof(KeyValueAdapter<,>)
                : definition == typeof(MeteredKeyValueStore<,>) ? typeof(KeyValueAdapter<,>)
                : definition == typeof(MeteredTimestampedWindowStore<,>) ? typeof(WindowAdapter<,>)
                : definition == typeof(MeteredSessionStore<,>) ? typeof(SessionAdapter<,>)
                : null;
            if (adapter is not null)
            {
                // The store's own key serde, for QueryMetadataForKey: known without opening the store.
                var keySerde = typeof(IKeySerdeSource<>).MakeGenericType(args[0]).GetMethod(nameof(IKeySerdeSource<int>.KeySerde))!.Invoke(store, [config]);
                return (StoreQueryAdapter)Activator.CreateInstance(adapter.MakeGenericType(args), keySerde)!;
            }
        }

        throw new InvalidStateStoreException($"State store '{store.Name}' ({store.GetType().Name}) cannot be served over HTTP: only key-value, window and session stores built by Stores can.");
    }

    /// <summary>Reads text as a key of type <typeparamref name="TKey"/>.</summary>
    /// <exception cref="FormatException">The text is not a <typeparamref name="TKey"/>.</exception>
    public static TKey ParseKey<TKey>(string text)
    {
        var type = typeof(TKey);
        try
        {
            if (type == typeof(string))
            {
                return (TKey)(object)text;
            }

            if (type == typeof(int) || type == typeof(long) || type == typeof(double) || type == typeof(short) || type == typeof(float) || type == typeof(decimal))
            {
                return (TKey)Convert.ChangeType(text, type, CultureInfo.InvariantCulture);
            }

            return JsonSerializer.Deserialize<TKey>(text) ?? throw new FormatException("null");
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or InvalidCastException or JsonException)
        {
            throw new FormatException($"'{text}' is not a {type.Name} key: {ex.Message}", ex);
        }
    }

    /// <summary>A value as JSON.</summary>
    public static JsonNode? Render<T>(T value) => JsonSerializer.SerializeToNode(value);

    private static JsonObject Windowed<TKey, TValue>(Windowed<TKey> window, TValue value) => new()
    {
        ["key"] = Render(window.Key),
        ["start"] = window.Window.StartMs,
        ["end"] = window.Window.EndMs,
        ["value"] = Render(value),
    };

    private static KeyQueryMetadata MetadataOf<TKey>(KafkaStreams streams, string storeName, string key, ISerde<TKey> keySerde)
        => streams.QueryMetadataForKey(storeName, ParseKey<TKey>(key), keySerde);

    private sealed class KeyValueAdapter<TKey, TValue>(ISerde<TKey> keySerde) : StoreQueryAdapter
    {
        public override string Kind => "keyValue";

        // Timestamped stores are read without their timestamps, as the typed query API does.
        public override JsonNode? Get(KafkaStreams streams, string storeName, string key)
            => streams.Store<IReadOnlyKeyValueStore<TKey, TValue>>(storeName).TryGet(ParseKey<TKey>(key), out var value) ? Render(value) ?? JsonValue.Create((string?)null) : null;

        public override JsonArray Range(KafkaStreams streams, string storeName, string? from, string? to)
        {
            var view = streams.Store<IReadOnlyKeyValueStore<TKey, TValue>>(storeName);
            var entries = from is null && to is null ? view.All() : view.Range(from is null ? default : ParseKey<TKey>(from), to is null ? default : ParseKey<TKey>(to));
            return [.. entries.Select(e => (JsonNode)new JsonObject { ["key"] = Render(e.Key), ["value"] = Render(e.Value) })];
        }

        public override JsonArray FetchWindows(KafkaStreams streams, string storeName, string key, long fromMs, long toMs) => throw WrongKind(storeName, "window");

        public override JsonArray FetchSessions(KafkaStreams streams, string storeName, string key) => throw WrongKind(storeName, "session");

        public override KeyQueryMetadata Metadata(KafkaStreams streams, string storeName, string key) => MetadataOf(streams, storeName, key, keySerde);
    }

    private sealed class WindowAdapter<TKey, TValue>(ISerde<TKey> keySerde) : StoreQueryAdapter
    {
        public override string Kind => "window";

        public override JsonNode? Get(KafkaStreams streams, string storeName, string key) => throw WrongKind(storeName, "key-value");

        public override JsonArray Range(KafkaStreams streams, string storeName, string? from, string? to) => throw WrongKind(storeName, "key-value");

        public override JsonArray FetchWindows(KafkaStreams streams, string storeName, string key, long fromMs, long toMs)
        {
            var parsed = ParseKey<TKey>(key);
            return [.. streams.Store<IReadOnlyWindowStore<TKey, TValue>>(storeName).Fetch(parsed, parsed, fromMs, toMs).Select(e => (JsonNode)Windowed(e.Key, e.Value))];
        }

        public override JsonArray FetchSessions(KafkaStreams streams, string storeName, string key) => throw WrongKind(storeName, "session");

        public override KeyQueryMetadata Metadata(KafkaStreams streams, string storeName, string key) => MetadataOf(streams, storeName, key, keySerde);
    }

    private sealed class SessionAdapter<TKey, TValue>(ISerde<TKey> keySerde) : StoreQueryAdapter
    {
        public override string Kind => "session";

        public override JsonNode? Get(KafkaStreams streams, string storeName, string key) => throw WrongKind(storeName, "key-value");

        public override JsonArray Range(KafkaStreams streams, string storeName, string? from, string? to) => throw WrongKind(storeName, "key-value");

        public override JsonArray FetchWindows(KafkaStreams streams, string storeName, string key, long fromMs, long toMs) => throw WrongKind(storeName, "window");

        public override JsonArray FetchSessions(KafkaStreams streams, string storeName, string key)
            => [.. streams.Store<IReadOnlySessionStore<TKey, TValue>>(storeName).Fetch(ParseKey<TKey>(key)).Select(e => (JsonNode)Windowed(e.Key, e.Value))];

        public override KeyQueryMetadata Metadata(KafkaStreams streams, string storeName, string key) => MetadataOf(streams, storeName, key, keySerde);
    }

    private static InvalidOperationException WrongKind(string storeName, string asked)
        => new($"State store '{storeName}' is not a {asked} store.");
}
