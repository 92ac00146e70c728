using System.Diagnostics;
using Platform.Client;
using Platform.Client.Admin;
using Platform.Streams.Dsl;

namespace Platform.Benchmarks;

/// <summary>What every topology run of the <c>streams</c> benchmark shares, and how it knows a run is done.</summary>
internal sealed class StreamsRunContext(string bootstrap, IAdminClient admin, string input, IReadOnlyDictionary<TopicPartition, long> inputEnds, string stateDir, int commitMs, DslStoreType storeType, IReadOnlyList<(string Key, string Value)> extraConfig)
{
    // Markers after a partition's last record under exactly-once: one per stream thread, a few in these runs.
    private const int MaxTrailingMarkers = 16;

    // Longer than any commit interval the runs use, and than a start's group join.
    private static readonly TimeSpan StallLimit = TimeSpan.FromMinutes(3);

    public string Bootstrap { get; } = bootstrap;

    /// <summary>The topic of text lines the runs read.</summary>
    public string Input { get; } = input;

    public string StateDir { get; } = stateDir;

    /// <summary>The admin client of the benchmark's broker.</summary>
    public IAdminClient Admin => admin;

    /// <summary>How often each word occurs in the input: what a word count run must end with.</summary>
    public IReadOnlyDictionary<string, long> WordCounts { get; init; } = new Dictionary<string, long>();

    /// <summary>commit.interval.ms of the at_least_once runs (exactly-once runs use 100, Kafka's default for them).</summary>
    public int CommitMs { get; } = commitMs;

    public DslStoreType StoreType { get; } = storeType;

    /// <summary>Settings added to every run of ours (<c>--config key=value,...</c>), e.g. producer or consumer settings to try.</summary>
    public IEnumerable<KeyValuePair<string, string>> ExtraConfig { get; } = [.. extraConfig.Select(c => KeyValuePair.Create(c.Key, c.Value))];

    /// <summary>
    /// Waits until the application's group has committed the end of every input partition and then of every
    /// repartition topic it made (<c>&lt;application.id&gt;-…-repartition</c>): every record was processed.
    /// Under exactly-once, a partition the application wrote transactionally ends with commit markers, which take
    /// offsets that no committed offset passes: one per producer (stream thread) whose transaction wrote there since
    /// the partition's last record. Such a partition is done when nothing is left to read from its committed offset.
    /// </summary>
    public async Task WaitUntilProcessedAsync(string applicationId, bool exactlyOnce, Func<string?> failure)
    {
        // A guard against a hung run, not a time limit: a slow application (Streamiz's word count takes over 15 minutes
        // for 8M lines here) goes on as long as its committed offsets move.
        var stalled = Stopwatch.StartNew();
        var progress = -1L;
        while (true)
        {
            if (failure() is { } reason)
            {
                throw new InvalidOperationException($"{applicationId} stopped: {reason}");
            }

            var committed = await CommittedAsync(applicationId);
            var sum = committed.Values.Sum();
            if (sum != progress)
            {
                progress = sum;
                stalled.Restart();
            }
            else if (stalled.Elapsed > StallLimit)
            {
                throw new InvalidOperationException($"{applicationId} committed no progress for {StallLimit.TotalMinutes} minutes (offsets {progress}).");
            }

            if (inputEnds.All(e => committed.GetValueOrDefault(e.Key) >= e.Value) && await RepartitionTopicsDoneAsync(applicationId, committed, exactlyOnce))
            {
                return;
            }

            await Task.Delay(20);
        }
    }

    private async Task<bool> RepartitionTopicsDoneAsync(string applicationId, Dictionary<TopicPartition, long> committed, bool exactlyOnce)
    {
        var metadata = await admin.GetMetadataAsync();
        var partitions = metadata.Topics
            .Where(t => t.Topic.StartsWith(applicationId + "-", StringComparison.Ordinal) && t.Topic.EndsWith("-repartition", StringComparison.Ordinal))
            .SelectMany(t => t.Partitions.Select(p => new TopicPartition(t.Topic, p.PartitionId)))
            .ToList();
        if (partitions.Count == 0)
        {
            return true;
        }

        var ends = await admin.ListOffsetsAsync(partitions.Select(p => new TopicPartitionOffsetSpec(p, OffsetSpec.Latest())));
        var markersOnly = new List<(TopicPartition Partition, long From, long End)>();
        foreach (var end in ends.ResultInfos)
        {
            var at = committed.GetValueOrDefault(end.TopicPartition);
            if (at >= end.Offset)
            {
                continue;
            }

            // Markers left over can be one per stream thread at most; a read to check costs a consumer, so only once
            // every partition is that close.
            if (!exactlyOnce || at == 0 || end.Offset - at > MaxTrailingMarkers)
            {
                return false;
            }

            markersOnly.Add((end.TopicPartition, at, end.Offset));
        }

        return markersOnly.Count == 0 || OnlyMarkersLeft(markersOnly);
    }

    /// <summary>Whether a read_committed consumer gets no record from each partition's <c>From</c> to its <c>End</c>: only transaction markers are there.</summary>
    private bool OnlyMarkersLeft(List<(TopicPartition Partition, long From, long End)> ranges)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = Bootstrap,
            GroupId = "bench-markers-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
            IsolationLevel = IsolationLevel.ReadCommitted,
        }).Build();
        consumer.Assign(ranges.Select(r => new TopicPartitionOffset(r.Partition, r.From)));
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(5))
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { Message: not null })
            {
                return false;
            }

            if (ranges.TrueForAll(r => consumer.Position(r.Partition).Value >= r.End))
            {
                return true;
            }
        }

        return false;
    }

    private async Task<Dictionary<TopicPartition, long>> CommittedAsync(string group)
    {
        List<ListConsumerGroupOffsetsResult> results;
        try
        {
            results = await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(group, null)]);
        }
        catch (ListConsumerGroupOffsetsException)
        {
            // The group does not exist yet (its first member is still joining).
            return [];
        }

        return results[0].Partitions
            .Where(p => !p.Error.IsError && p.Offset.Value >= 0)
            .ToDictionary(p => p.TopicPartition, p => p.Offset.Value);
    }
}
