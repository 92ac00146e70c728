namespace Platform.Client.Admin;

/// <summary>Where a config value comes from (Kafka's wire values).</summary>
public enum ConfigSource : sbyte
{
    /// <summary>Unknown.</summary>
    Unknown = 0,

    /// <summary>Set on the topic.</summary>
    DynamicTopicConfig = 1,

    /// <summary>Set dynamically on this broker.</summary>
    DynamicBrokerConfig = 2,

    /// <summary>Set dynamically as the default for all brokers.</summary>
    DynamicDefaultBrokerConfig = 3,

    /// <summary>From the broker's configuration file.</summary>
    StaticBrokerConfig = 4,

    /// <summary>The built-in default.</summary>
    DefaultConfig = 5,

    /// <summary>Set dynamically on a broker logger.</summary>
    DynamicBrokerLoggerConfig = 6,

    /// <summary>A client metrics config.</summary>
    ClientMetricsConfig = 7,

    /// <summary>Set on a group.</summary>
    GroupConfig = 8,
}
