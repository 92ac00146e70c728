using System.Globalization;
using Platform.Client.Internal;
using Platform.Client.Network;

namespace Platform.Client.Admin;

/// <summary>Builds an <see cref="IAdminClient"/> from Kafka-style configuration.</summary>
public sealed class AdminClientBuilder
{
    private static readonly HashSet<string> KnownKeys =
    [
        "bootstrap.servers",
        "client.id",
        "request.timeout.ms",
        "socket.connection.setup.timeout.ms",
    ];

    private readonly List<KeyValuePair<string, string>> _config;

    /// <summary>Starts from <paramref name="config"/>, e.g. an <see cref="AdminClientConfig"/>.</summary>
    public AdminClientBuilder(IEnumerable<KeyValuePair<string, string>> config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config.ToList();
    }

    /// <summary>
    /// Validates the configuration and creates the client. No connection is opened until the first call.
    /// </summary>
    /// <exception cref="ArgumentException">A property is unknown, missing or malformed; the message names it.</exception>
    public IAdminClient Build()
    {
        var config = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in _config)
        {
            if (!KnownKeys.Contains(key))
            {
                throw new ArgumentException($"Unknown configuration property '{key}'. Known: {string.Join(", ", KnownKeys)}.");
            }

            config[key] = value;
        }

        var bootstrap = ClientConfigSupport.Bootstrap(config.GetValueOrDefault("bootstrap.servers"));

        var defaults = new KafkaConnectionOptions();
        var options = new KafkaConnectionOptions
        {
            ClientId = config.GetValueOrDefault("client.id", "platform-admin"),
            RequestTimeout = Milliseconds(config, "request.timeout.ms") ?? defaults.RequestTimeout,
            ConnectTimeout = Milliseconds(config, "socket.connection.setup.timeout.ms") ?? defaults.ConnectTimeout,
        };
        return new AdminClient(bootstrap, options);
    }

    private static TimeSpan? Milliseconds(Dictionary<string, string> config, string key)
    {
        if (!config.TryGetValue(key, out var text))
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) || ms <= 0)
        {
            throw new ArgumentException($"Configuration property '{key}' must be a positive number of milliseconds, not '{text}'.");
        }

        return TimeSpan.FromMilliseconds(ms);
    }
}
