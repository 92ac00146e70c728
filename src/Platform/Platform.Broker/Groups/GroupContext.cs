using Microsoft.Extensions.Logging;

namespace Platform.Broker.Groups;

/// <summary>What every group of a coordinator shares: settings, clock, log, the store of its records, and the way out of the coordinator's map when it dies.</summary>
internal sealed record GroupContext(
    BrokerOptions Options,
    TimeProvider Time,
    ILogger Logger,
    GroupMetadataManager Store,
    Action<ConsumerGroup> Remove,
    Action<ConsumerGroup> Restore)
{
    public long NowMs => Time.GetUtcNow().ToUnixTimeMilliseconds();
}
