using System.Text;
using Platform.Client;
using Platform.Connect.Converters;
using Platform.Protocol.RecordFormat;

namespace Platform.Connect.Runtime;

/// <summary>Connect headers to Kafka headers and back through the header converter, and a best-effort byte form for dead letters.</summary>
internal static class RecordConversion
{
    public static Headers? ToKafkaHeaders(ConnectRecord record, ConverterSet converters)
    {
        if (record.Headers.Count == 0)
        {
            return null;
        }

        var headers = new Headers();
        foreach (var header in record.Headers)
        {
            headers.Add(header.Key, converters.Header.FromConnectData(record.Topic, header.Schema, header.Value));
        }

        return headers;
    }

    /// <summary>The Connect headers of a consumed record; null when it has none (the record then shares the empty list, nothing is allocated).</summary>
    public static List<ConnectHeader>? ToConnectHeaders(string topic, RecordHeader[]? headers, ConverterSet converters)
    {
        if (headers is null || headers.Length == 0)
        {
            return null;
        }

        var result = new List<ConnectHeader>(headers.Length);
        foreach (var header in headers)
        {
            var value = converters.Header.ToConnectData(topic, header.Value, header.Value is null);
            result.Add(new ConnectHeader(header.Key, value.Schema, value.Value));
        }

        return result;
    }

    /// <summary>The converter's bytes when it can make them, else the schemaless JSON of the value (dead letters must carry something readable).</summary>
    public static byte[]? BestEffortBytes(Storage.IConverter converter, string topic, Data.Schema? schema, object? value)
    {
        try
        {
            return converter.FromConnectData(topic, schema, value);
        }
        catch (Exception e) when (e is DataException or InvalidCastException or FormatException)
        {
            return value switch
            {
                null => null,
                byte[] b => b,
                string s => Encoding.UTF8.GetBytes(s),
                _ => SchemalessJson(value),
            };
        }
    }

    private static byte[] SchemalessJson(object value)
    {
        try
        {
            return Data.SchemalessJson.ToUtf8Bytes(JsonValues.ToJson(null, value));
        }
        catch (DataException)
        {
            // Not even schemaless JSON (a struct missing required fields): its text form is still better than nothing.
            return Encoding.UTF8.GetBytes(value.ToString() ?? "");
        }
    }
}
