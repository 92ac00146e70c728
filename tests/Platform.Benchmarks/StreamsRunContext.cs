using System.Diagnostics;
using Platform.Client;
using Platform.Client.Admin;
using Platform.Streams.Dsl;

namespace Platform.Benchmarks;

/// <summary>What every topology run of the <c>streams</c> benchmark shares, and how it knows a run is done.</summary>
internal sealed class StreamsRunContext(string bootstrap, IAdminClient admin, string input, IReadOnlyDictionary<TopicPartition, long> inputEnds, string stateDir, int commitMs, DslStoreType storeType, IReadOnlyList<(string Key, string Value)> extraConfig)
{
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
    /// Under exactly-once, a partition the application wrote transactionally ends with a commit marker, which
    /// takes an offset that no consumer position passes, so one short of the end counts as the end there.
    /// </summary>
    public async Task WaitUntilProcessedAsync(string applicationId, bool exactlyOnce, Func<string?> failure)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (failure() is { } reason)
            {
                throw new InvalidOperationException($"{applicationId} stopped: {reason}");
            }

            if (clock.Elapsed > TimeSpan.FromMinutes(10))
            {
                throw new InvalidOperationException($"{applicationId} did not finish within 10 minutes.");
            }

            var committed = await CommittedAsync(applicationId);
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
        foreach (var end in ends.ResultInfos)
        {
            var offset = end.Offset;
            var target = exactlyOnce && offset > 0 ? offset - 1 : offset;
            if (committed.GetValueOrDefault(end.TopicPartition) < target)
            {
                return false;
            }
        }

        return true;
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
