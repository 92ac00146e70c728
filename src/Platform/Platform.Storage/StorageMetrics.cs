using System.Diagnostics.Metrics;

namespace Platform.Storage;

/// <summary>
/// The storage's fsync counts on the <c>Platform.Storage</c> meter (System.Diagnostics.Metrics), like Kafka's
/// LogFlushStats: how often logs are synced and how much each sync covers, which is what group commit is
/// for (one fsync per waiting producer would cost a disk flush each). Recorded once per sync, not per record.
/// </summary>
internal static class StorageMetrics
{
    /// <summary>The meter's name, for listeners and exporters.</summary>
    public const string MeterName = "Platform.Storage";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Syncs of a log's data (the <c>.log</c> files up to an offset: group commit and flushes).</summary>
    public static readonly Counter<long> Syncs = Meter.CreateCounter<long>("storage.log.syncs", "{sync}", "fsyncs of a log's data up to an offset (group commit rounds and flushes).");

    /// <summary>Offsets made durable by those syncs; divided by <see cref="Syncs"/>, the records each one covered.</summary>
    public static readonly Counter<long> SyncedOffsets = Meter.CreateCounter<long>("storage.log.synced_offsets", "{offset}", "Offsets made durable by the syncs.");

    /// <summary>Waits for durability (acks=all produce requests, coordinator writes) that group commit answered.</summary>
    public static readonly Counter<long> DurableWaits = Meter.CreateCounter<long>("storage.group_commit.waits", "{wait}", "Waits for durability (acks=all produces, coordinator writes) completed by group commit.");
}
