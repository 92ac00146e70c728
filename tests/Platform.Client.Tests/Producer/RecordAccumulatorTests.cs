using Platform.Client.Producer;

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
            var needed = accumulator.TryAppend(topic, 0, new SerializedRecord(0, key: null, new byte[size], headers: null, handler: null, message: null));
            Assert.Equal(0, needed);
        }

        Assert.Equal([1, 2], batchesSeenAtWake);
    }
}
