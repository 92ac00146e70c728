using System.Globalization;
using System.Text;
using Platform.Connect.Config;
using Platform.Connect.Data;
using Platform.Connect.Storage;

namespace Platform.Connect.Converters;

/// <summary>
/// Kafka's <c>org.apache.kafka.connect.storage.StringConverter</c> (alias <c>string</c>): UTF-8 text; other values
/// are written with their invariant string form, and read back as optional strings.
/// </summary>
public sealed class StringConverter : IConverter
{
    private static readonly ConfigDef Definition = new ConfigDef()
        .Define("converter.encoding", ConfigType.String, "UTF8", Importance.High, "The character encoding (UTF8 only, Kafka's default).",
            (_, v) => v is string s && (s.Equals("UTF8", StringComparison.OrdinalIgnoreCase) || s.Equals("UTF-8", StringComparison.OrdinalIgnoreCase)) ? null : "only UTF8 is supported");

    /// <inheritdoc/>
    public ConfigDef Config => Definition;

    /// <inheritdoc/>
    public void Configure(IReadOnlyDictionary<string, string> config, bool isKey) => Definition.Parse(config);

    /// <inheritdoc/>
    public byte[]? FromConnectData(string topic, Schema? schema, object? value) => value switch
    {
        null => null,
        string s => Encoding.UTF8.GetBytes(s),
        byte[] b => b,
        IFormattable f => Encoding.UTF8.GetBytes(f.ToString(null, CultureInfo.InvariantCulture)),
        _ => Encoding.UTF8.GetBytes(value.ToString() ?? ""),
    };

    /// <inheritdoc/>
    public SchemaAndValue ToConnectData(string topic, ReadOnlySpan<byte> value, bool isNull)
        => new(Schema.OptionalStringSchema, isNull ? null : Encoding.UTF8.GetString(value));
}
