using System.Collections;
using System.Globalization;

namespace Platform.Client;

/// <summary>
/// Client configuration as string properties with Kafka's names (<c>bootstrap.servers</c>), plus
/// typed accessors for the common ones. Unknown names are rejected when the client is built.
/// </summary>
public class ClientConfig : IEnumerable<KeyValuePair<string, string>>
{
    private readonly Dictionary<string, string> _properties = new(StringComparer.Ordinal);

    /// <summary>Creates an empty configuration.</summary>
    public ClientConfig()
    {
    }

    /// <summary>Creates a configuration holding a copy of <paramref name="properties"/>.</summary>
    public ClientConfig(IEnumerable<KeyValuePair<string, string>> properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        foreach (var (key, value) in properties)
        {
            Set(key, value);
        }
    }

    /// <summary>Initial broker list, <c>host:port[,host:port...]</c> (<c>bootstrap.servers</c>).</summary>
    public string? BootstrapServers
    {
        get => Get("bootstrap.servers");
        set => SetOrRemove("bootstrap.servers", value);
    }

    /// <summary>Name sent to brokers in every request (<c>client.id</c>).</summary>
    public string? ClientId
    {
        get => Get("client.id");
        set => SetOrRemove("client.id", value);
    }

    /// <summary>How long a request may wait for its response, in ms (<c>request.timeout.ms</c>).</summary>
    public int? RequestTimeoutMs
    {
        get => GetInt("request.timeout.ms");
        set => SetOrRemove("request.timeout.ms", value?.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>How long opening a connection may take, in ms (<c>socket.connection.setup.timeout.ms</c>).</summary>
    public int? SocketConnectionSetupTimeoutMs
    {
        get => GetInt("socket.connection.setup.timeout.ms");
        set => SetOrRemove("socket.connection.setup.timeout.ms", value?.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Sets a property by its Kafka name.</summary>
    public void Set(string key, string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        ArgumentNullException.ThrowIfNull(value);
        _properties[key] = value;
    }

    /// <summary>Gets a property by its Kafka name, or null when unset.</summary>
    public string? Get(string key) => _properties.GetValueOrDefault(key);

    private int? GetInt(string key)
        => Get(key) is { } text ? int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture) : null;

    /// <summary>Sets a property, or removes it when <paramref name="value"/> is null.</summary>
    protected void SetOrRemove(string key, string? value)
    {
        if (value is null)
        {
            _properties.Remove(key);
        }
        else
        {
            _properties[key] = value;
        }
    }

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _properties.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
