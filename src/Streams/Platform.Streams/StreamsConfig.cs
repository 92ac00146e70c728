namespace Platform.Streams;

/// <summary>
/// The application's settings with Kafka Streams' names (<c>application.id</c>, <c>bootstrap.servers</c>,
/// <c>processing.guarantee</c>, <c>commit.interval.ms</c>, ...). Keys meant for the embedded clients pass
/// through with the <c>consumer.</c>, <c>producer.</c>, <c>admin.</c> prefixes or unprefixed.
/// </summary>
public sealed partial class StreamsConfig
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    /// <summary>An empty configuration (Kafka's defaults).</summary>
    public StreamsConfig()
    {
    }

    /// <summary>A configuration from key/value pairs.</summary>
    public StreamsConfig(IEnumerable<KeyValuePair<string, string>> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (var (key, value) in values)
        {
            _values[key] = value;
        }
    }

    /// <summary>A setting by Kafka's name, or null when unset.</summary>
    public string? this[string key]
    {
        get => _values.GetValueOrDefault(key);
        set
        {
            _instances.Remove(key);
            if (value is null)
            {
                _values.Remove(key);
            }
            else
            {
                _values[key] = value;
            }
        }
    }

    /// <summary>Every setting given.</summary>
    public IReadOnlyDictionary<string, string> Values => _values;
}
