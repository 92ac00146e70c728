using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.Connect.Config;
using Platform.Connect.Data;
using Platform.Connect.Storage;

namespace Platform.Connect.Converters;

/// <summary>
/// Kafka's <c>org.apache.kafka.connect.json.JsonConverter</c> (alias <c>json</c>): JSON text; with
/// <c>schemas.enable=true</c> every message is the envelope <c>{"schema": ..., "payload": ...}</c> in Kafka's
/// schema format, read and written. Off by default here (Kafka defaults it on), the shape most JSON producers send.
/// </summary>
public sealed class JsonConverter : IConverter
{
    /// <summary>The key that turns the envelope on.</summary>
    public const string SchemasEnableConfig = "schemas.enable";

    private static readonly ConfigDef Definition = new ConfigDef()
        .Define(SchemasEnableConfig, ConfigType.Boolean, false, Importance.High,
            "Whether messages carry their schema in a {\"schema\", \"payload\"} envelope (written and expected when reading).");

    private readonly SchemalessJsonReader _schemaless = new();
    private bool _schemasEnabled;

    /// <inheritdoc/>
    public ConfigDef Config => Definition;

    /// <inheritdoc/>
    public void Configure(IReadOnlyDictionary<string, string> config, bool isKey)
        => _schemasEnabled = Definition.Parse(config).GetBoolean(SchemasEnableConfig);

    /// <inheritdoc/>
    public byte[]? FromConnectData(string topic, Schema? schema, object? value)
    {
        if (schema is null && value is null)
        {
            return null;
        }

        var payload = JsonValues.ToJson(schema, value);
        if (!_schemasEnabled)
        {
            return SchemalessJson.ToUtf8Bytes(payload);
        }

        var envelope = new JsonObject
        {
            ["schema"] = schema is null ? null : JsonSchemaCodec.ToJson(schema),
            ["payload"] = payload,
        };
        return SchemalessJson.ToUtf8Bytes(envelope);
    }

    /// <inheritdoc/>
    public SchemaAndValue ToConnectData(string topic, ReadOnlySpan<byte> value, bool isNull) => ToConnectData(topic, value, isNull, Document.Decode);

    /// <summary>
    /// Whether <see cref="ToConnectDataKeepingDocument"/> may keep the document of a value (schemaless objects; the
    /// envelope is always decoded).
    /// </summary>
    internal bool KeepsDocuments => !_schemasEnabled;

    /// <summary>
    /// As <see cref="ToConnectData(string, ReadOnlySpan{byte}, bool)"/>, but a schemaless object keeps its document for a
    /// sink that reads it (<see cref="Connectors.SinkTask.ReadsJsonDocuments"/>) and decodes only when its map is read. With
    /// <paramref name="check"/> false the document is not even checked yet: the sink runtime has its task's
    /// <see cref="Connectors.SinkTask.Prepare"/> read it (which may check it on the way) and then calls <see cref="Check"/>, so a
    /// document is tokenized once and a bad one still fails here, in the converter.
    /// </summary>
    internal SchemaAndValue ToConnectDataKeepingDocument(string topic, ReadOnlySpan<byte> value, bool isNull, bool check)
        => ToConnectData(topic, value, isNull, check ? Document.KeepChecked : Document.KeepUnchecked);

    /// <summary>
    /// As <see cref="ToConnectDataKeepingDocument"/>, but an object's map refers to <paramref name="value"/> itself, not a
    /// copy: the caller keeps the memory unchanged until it calls <see cref="JsonObjectMap.Release"/> on the map
    /// (<see cref="JsonObjectMap.IsBorrowed"/>). An object's map is <paramref name="reuse"/> when given (a map released
    /// and no longer held by anyone: <see cref="JsonObjectMap.Reuse"/>), else a new one.
    /// </summary>
    internal SchemaAndValue ToConnectDataBorrowingDocument(string topic, ReadOnlyMemory<byte> value, bool isNull, bool check, JsonObjectMap? reuse = null)
        => ToConnectData(topic, value.Span, isNull, check ? Document.KeepChecked : Document.KeepUnchecked, value, reuse);

    /// <summary>Checks <paramref name="value"/> (of <see cref="ToConnectDataKeepingDocument"/>) unless it is checked, failing as converting it would have.</summary>
    /// <exception cref="DataException">The document is not well-formed JSON.</exception>
    internal static void Check(string topic, object? value)
    {
        if (value is not JsonObjectMap { IsChecked: false } map)
        {
            return;
        }

        try
        {
            map.Check();
        }
        catch (JsonException e)
        {
            throw SerializationError(topic, e);
        }
    }

    private SchemaAndValue ToConnectData(string topic, ReadOnlySpan<byte> value, bool isNull, Document document, ReadOnlyMemory<byte> borrowed = default,
        JsonObjectMap? reuse = null)
    {
        if (isNull)
        {
            return SchemaAndValue.Null;
        }

        JsonNode? node;
        try
        {
            if (!_schemasEnabled)
            {
                return new SchemaAndValue(null, document switch
                {
                    Document.Decode => _schemaless.Parse(value),
                    Document.KeepChecked => _schemaless.ParseDeferred(value, borrowed, reuse),
                    _ => _schemaless.ParseUnchecked(value, borrowed, reuse),
                });
            }

            node = JsonNode.Parse(value);
        }
        catch (JsonException e)
        {
            throw SerializationError(topic, e);
        }

        if (node is not JsonObject envelope || envelope.Count != 2 || !envelope.ContainsKey("schema") || !envelope.ContainsKey("payload"))
        {
            throw new DataException("JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not contain additional fields. "
                + "If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.");
        }

        var schema = envelope["schema"] is { } schemaNode ? JsonSchemaCodec.FromJson(schemaNode) : null;
        return new SchemaAndValue(schema, JsonValues.FromJson(schema, envelope["payload"]));
    }

    /// <summary>What a schemaless object's document becomes.</summary>
    private enum Document
    {
        /// <summary>Decoded (and so checked) at once.</summary>
        Decode,

        /// <summary>Checked and kept, decoded when its map is read.</summary>
        KeepChecked,

        /// <summary>Kept unchecked (see <see cref="ToConnectDataKeepingDocument"/>).</summary>
        KeepUnchecked,
    }

    private static DataException SerializationError(string topic, JsonException e)
        => new($"Converting byte[] to Kafka Connect data failed due to serialization error of topic {topic}: {e.Message}", e);
}
