using Platform.Client.Internal;
using Platform.Client.Producer;
using Platform.Protocol;
using Platform.Protocol.RecordFormat;

namespace Platform.Client.Tests.Producer;

public sealed class RecordAccumulatorTests
{
    /// <summary>
    /// The sender sleeps up to 100 ms when it finds nothing to send, so a wake-up that comes before the
    /// batch is queued is lost: the record then waits that long (the 100 ms end-to-end latency tail).
    /// </summary>
    [Fact]
    public void TryAppend_NewBatch_WakesTheSenderOnlyOnceTheBatchIsQueued()
    {
        var batchesSeenAtWake = new List<int>();
        RecordAccumulator? accumulator = null;
        accumulator = new RecordAccumulator(
            ProducerSettings.Parse([new("bootstrap.servers", "127.0.0.1:1"), new("batch.size", "1024")]),
            () => batchesSeenAtWake.Add(accumulator!.Queues.Sum(q => q.Batches.Count)));
        var topic = accumulator.GetTopic("t");

        // The first record opens a batch; the second joins it; the third does not fit and opens another.
        foreach (var size in new[] { 100, 100, 900 })
        {
            var outcome = accumulator.TryAppend(topic, 0, new SerializedRecord(0, key: null, new byte[size], headers: null, handler: null, message: null), stint: null, out _);
            Assert.Equal(AppendOutcome.Appended, outcome);
        }

        Assert.Equal([1, 2], batchesSeenAtWake);
    }

    /// <summary>
    /// KIP-794: a stint ends after batch.size bytes went to its partition, not when its batch left. Here every
    /// batch is drained (as the sender does) right after its first record, which made KIP-480's partitioner move
    /// on with every record; the stint still counts its bytes, headers included, and moves on only at batch.size.
    /// </summary>
    [Fact]
    public void TryAppend_StickyStint_EndsAfterBatchSizeBytesWhateverHappenedToItsBatches()
    {
        var accumulator = new RecordAccumulator(ProducerSettings.Parse([new("bootstrap.servers", "127.0.0.1:1"), new("batch.size", "2000")]), () => { });
        var topic = accumulator.GetTopic("t");
        topic.Info = Topic(4);
        var chosen = new List<int>();
        var recordBytes = 0;
        for (var i = 0; i < 60; i++)
        {
            AppendOutcome outcome;
            int partition;
            do
            {
                var stint = topic.Stint(topic.Info);
                partition = stint.Partition;
                outcome = accumulator.TryAppend(topic, partition, Record(90), stint, out _);
            }
            while (outcome == AppendOutcome.StintEnded);

            Assert.Equal(AppendOutcome.Appended, outcome);
            chosen.Add(partition);
            var queue = topic.Get(partition, _ => { });
            lock (queue.Lock)
            {
                recordBytes = queue.Batches[0].Builder.RecordsSizeInBytes;
                queue.Batches[0].MarkDrained();
                queue.Batches.RemoveAt(0);
            }
        }

        // A record alone in its batch adds the batch header too; the next record joins the stint while its
        // upper estimate still fits under batch.size: 12 records of 90 bytes here.
        var perRecord = RecordBatchHeader.Size + recordBytes;
        var expected = ((2000 - RecordBatchBuilder.EstimateRecordSize(0, 90)) / perRecord) + 1;
        Assert.Equal(12, expected);
        var runs = Runs(chosen);
        Assert.All(runs.SkipLast(1), run => Assert.Equal(expected, run));
    }

    /// <summary>
    /// The stint that reaches batch.size leaves its last batch full (the record that went elsewhere would not
    /// have fitted), so the sender sends it at once rather than after linger.ms.
    /// </summary>
    [Fact]
    public void TryAppend_StickyStintEnds_LeavesItsBatchFullForTheSender()
    {
        var accumulator = new RecordAccumulator(ProducerSettings.Parse([new("bootstrap.servers", "127.0.0.1:1"), new("batch.size", "2000")]), () => { });
        var topic = accumulator.GetTopic("t");
        topic.Info = Topic(2);
        var first = topic.Stint(topic.Info);
        while (accumulator.TryAppend(topic, first.Partition, Record(90), first, out _) == AppendOutcome.Appended)
        {
        }

        var queue = topic.Get(first.Partition, _ => { });
        Assert.Single(queue.Batches);
        Assert.True(queue.Batches[0].IsFull);
        Assert.NotEqual(first.Partition, topic.Stint(topic.Info).Partition);
    }

    /// <summary>Adaptive partitioning: a partition with a deep queue gets the weight of one batch against the others' seven.</summary>
    [Fact]
    public void PartitionLoad_DeepQueue_IsChosenInProportionToItsWeight()
    {
        var load = PartitionLoad.Of([6, 0, 0, 0], [0, 1, 2, 3], 4, current: null)!;

        Assert.Equal(1 + (3 * 7), load.Total);
        var picks = Enumerable.Range(0, load.Total).Select(r => load.Choose(r)).ToList();
        Assert.Equal(1, picks.Count(p => p == 0));
        Assert.All(new[] { 1, 2, 3 }, p => Assert.Equal(7, picks.Count(q => q == p)));
        Assert.Same(load, PartitionLoad.Of([6, 0, 0, 0], [0, 1, 2, 3], 4, load));
        Assert.Null(PartitionLoad.Of([2, 2, 2, 2], [0, 1, 2, 3], 4, load));
    }

    /// <summary>The sticky partitioner's next stint follows the published load: the deep queue's partition is rarely chosen.</summary>
    [Fact]
    public void Stint_WithLoad_AvoidsThePartitionWithADeepQueue()
    {
        var topic = new TopicQueues("t") { Info = Topic(4) };
        topic.Load = PartitionLoad.Of([20, 0, 0, 0], [0, 1, 2, 3], 4, current: null);
        var counts = new int[4];
        for (var i = 0; i < 2000; i++)
        {
            var stint = topic.Stint(topic.Info);
            counts[stint.Partition]++;
            topic.EndStint(stint);
        }

        // Weights 1, 21, 21, 21 (never the partition just left): about 45 stints on partition 0, a uniform choice would give 500 or more.
        Assert.InRange(counts[0], 0, 150);
        Assert.All(counts.Skip(1), c => Assert.InRange(c, 450, 900));
    }

    private static TopicInfo Topic(int partitions)
        => new("t", Guid.NewGuid(), ErrorCode.None, [.. Enumerable.Range(0, partitions).Select(p => new PartitionInfo(p, 1, 0, ErrorCode.None))]);

    private static SerializedRecord Record(int valueSize) => new(0, key: null, new byte[valueSize], headers: null, handler: null, message: null);

    private static List<int> Runs(List<int> partitions)
    {
        var runs = new List<int> { 1 };
        for (var i = 1; i < partitions.Count; i++)
        {
            if (partitions[i] == partitions[i - 1])
            {
                runs[^1]++;
            }
            else
            {
                runs.Add(1);
            }
        }

        return runs;
    }
}
