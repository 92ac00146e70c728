using Platform.Connect.Config;
using Platform.Connect.Data;
using Platform.Connect.Storage;

namespace Platform.Connect.Converters;

/// <summary>Kafka's <c>org.apache.kafka.connect.converters.ByteArrayConverter</c> (alias <c>bytes</c>): bytes pass through untouched.</summary>
public sealed class ByteArrayConverter : IConverter
{
    private static readonly ConfigDef Definition = new();

    /// <inheritdoc/>
    public ConfigDef Config => Definition;

    /// <inheritdoc/>
    public void Configure(IReadOnlyDictionary<string, string> config, bool isKey)
    {
    }

    /// <inheritdoc/>
    public byte[]? FromConnectData(string topic, Schema? schema, object? value) => value switch
    {
        null => null,
        byte[] b => b,
        ReadOnlyMemory<byte> m => m.ToArray(),
        _ => throw new DataException($"ByteArrayConverter is not compatible with objects of type {value.GetType().Name}."),
    };

    /// <inheritdoc/>
    public SchemaAndValue ToConnectData(string topic, ReadOnlySpan<byte> value, bool isNull)
        => new(Schema.OptionalBytesSchema, isNull ? null : value.ToArray());
}
