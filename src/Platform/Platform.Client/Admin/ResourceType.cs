namespace Platform.Client.Admin;

/// <summary>Kinds of resources that have configs (Kafka's wire values).</summary>
public enum ResourceType : sbyte
{
    /// <summary>Unknown.</summary>
    Unknown = 0,

    /// <summary>A topic.</summary>
    Topic = 2,

    /// <summary>A broker; the name is its id, empty for the cluster-wide default.</summary>
    Broker = 4,

    /// <summary>A broker's loggers.</summary>
    BrokerLogger = 8,

    /// <summary>A client metrics subscription.</summary>
    ClientMetrics = 16,

    /// <summary>A consumer group.</summary>
    Group = 32,
}
