using Platform.Connect.Config;
using Platform.Connect.Data;

namespace Platform.Connect.Storage;

/// <summary>Turns Connect data into the bytes stored in Kafka and back (<c>key.converter</c>, <c>value.converter</c>).</summary>
public interface IConverter
{
    /// <summary>The keys it takes.</summary>
    ConfigDef Config { get; }

    /// <summary>Configures it; <paramref name="isKey"/> tells whether it converts keys.</summary>
    void Configure(IReadOnlyDictionary<string, string> config, bool isKey);

    /// <summary>The bytes for a value (null stays null).</summary>
    byte[]? FromConnectData(string topic, Schema? schema, object? value);

    /// <summary>The value for stored bytes.</summary>
    /// <exception cref="DataException">The bytes are not in this converter's format.</exception>
    SchemaAndValue ToConnectData(string topic, ReadOnlySpan<byte> value, bool isNull);
}
