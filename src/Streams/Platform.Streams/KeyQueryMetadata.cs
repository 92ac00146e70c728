namespace Platform.Streams;

/// <summary>Where the state of one key lives (Kafka's <c>KeyQueryMetadata</c>): the instance running its task, the instances with standbys, and the partition.</summary>
/// <param name="ActiveHost">The instance whose active task holds the key, or <see cref="HostInfo.Unavailable"/>.</param>
/// <param name="StandbyHosts">Instances with a standby copy.</param>
/// <param name="Partition">The input partition (and task partition) of the key.</param>
public sealed record KeyQueryMetadata(HostInfo ActiveHost, IReadOnlySet<HostInfo> StandbyHosts, int Partition)
{
    /// <summary>The answer while no assignment is known.</summary>
    public static KeyQueryMetadata NotAvailable { get; } = new(HostInfo.Unavailable, new HashSet<HostInfo>(), -1);
}
