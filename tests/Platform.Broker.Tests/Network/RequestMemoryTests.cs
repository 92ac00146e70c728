using System.Buffers.Binary;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Platform.Broker.Network;
using Platform.Protocol;
using Platform.Protocol.Messages;
using Platform.Protocol.RecordFormat;

namespace Platform.Broker.Tests.Network;

/// <summary>queued.max.request.bytes, fetch.max.bytes and what large frames leave behind, against a broker on loopback.</summary>
[Collection(MemoryBoundCollection.Name)]
public sealed class RequestMemoryTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task QueuedMaxRequestBytes_Spent_ReadingStopsUntilMemoryIsFreed()
    {
        await using var broker = await EmbeddedBroker.StartAsync(o => o.QueuedMaxRequestBytes = 300_000);
        var budget = broker.Services.GetRequiredService<RequestMemoryBudget>();
        await using var a = await RawConnection.ConnectAsync(broker);
        await using var b = await RawConnection.ConnectAsync(broker);
        await a.CreateTopicAsync("budget");
        var big = RawConnection.Frame(Wire.ProduceRequest("budget", 0, BatchOf(200_000)), 9, 1);
        var other = RawConnection.Frame(Wire.ProduceRequest("budget", 0, BatchOf(150_000)), 9, 1);

        // A's frame is admitted as soon as its size is read; half of it arrives, then A stalls.
        await a.SendRawAsync(big[..(big.Length / 2)]);
        Assert.True(await Wire.EventuallyAsync(() => Task.FromResult(budget.InFlight >= 200_000), Deadline), $"in flight {budget.InFlight}");
        // B's whole frame does not fit next to it: B's connection waits, unread.
        await b.SendRawAsync(other);
        Assert.True(await Wire.EventuallyAsync(() => Task.FromResult(budget.Waiting == 1), Deadline), $"waiting {budget.Waiting}");
        var bAnswer = b.ReadFrameAsync(Deadline);
        await Task.Delay(300);
        Assert.False(bAnswer.IsCompleted, "B was answered while the budget was spent");

        await a.SendRawAsync(big[(big.Length / 2)..]);

        Assert.Equal(0, ProduceError(await a.ReadFrameAsync(Deadline)));
        Assert.Equal(0, ProduceError(await bAnswer));
        Assert.True(await Wire.EventuallyAsync(() => Task.FromResult(budget.InFlight == 0 && budget.Waiting == 0), Deadline));
        Assert.Equal(2, (await a.ConsumeAllAsync("budget")).Count);
    }

    [Fact]
    public async Task LargeFrames_Handled_LeaveNoLargeBuffersBehind()
    {
        await using var broker = await EmbeddedBroker.StartAsync();
        // An ApiVersions v0 request (no fields) padded to 60 MiB: read whole, answered, then forgotten.
        const int FrameSize = 60 << 20;
        var frame = new byte[4 + FrameSize];
        BinaryPrimitives.WriteInt32BigEndian(frame, FrameSize);
        BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(4), (short)ApiKey.ApiVersions);
        BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(12), -1);
        var before = SettledHeapBytes();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(async i =>
        {
            await using var connection = await RawConnection.ConnectAsync(broker);
            var mine = (byte[])frame.Clone();
            BinaryPrimitives.WriteInt32BigEndian(mine.AsSpan(8), i);
            await connection.SendRawAsync(mine);
            var response = await connection.ReadFrameAsync(Deadline);
            Assert.NotNull(response);
            Assert.Equal(i, BinaryPrimitives.ReadInt32BigEndian(response));
        }));

        var after = SettledHeapBytes();
        // Four 60 MiB frames went through; what stays must be small (receive buffers, pooled 64 KiB pieces).
        Assert.True(after - before < 32 << 20, $"managed heap grew by {(after - before) >> 20} MiB after four 60 MiB frames");
    }

    [Fact]
    public async Task FetchMaxBytes_CapsTheResponseWhateverTheClientAsks()
    {
        await using var broker = await EmbeddedBroker.StartAsync(o => o.FetchMaxBytes = 100_000);
        await using var connection = await RawConnection.ConnectAsync(broker);
        await connection.CreateTopicAsync("capped");
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(0, (await connection.ProduceAsync("capped", BatchOf(40_000))).ErrorCode);
        }

        var fetch = new FetchRequest
        {
            MaxWaitMs = 0,
            MinBytes = 1,
            MaxBytes = 64 << 20,
            Topics = [new() { Topic = "capped", Partitions = [new() { Partition = 0, FetchOffset = 0, PartitionMaxBytes = 64 << 20 }] }],
        };
        var records = Records((await connection.SendAsync<FetchResponse>(fetch, 11)).Responses[0].Partitions[0]);

        // Cut at the cap, as Kafka does: whole batches, then possibly the start of the next one.
        Assert.InRange(records.Length, 80_000, 100_000);
        Assert.Equal(2, CompleteBatches(records));
        // A batch larger than the cap still comes, alone (KIP-74), so a consumer never stalls.
        Assert.Equal(0, (await connection.ProduceAsync("capped", BatchOf(250_000))).ErrorCode);
        fetch.Topics[0].Partitions[0].FetchOffset = 6;
        var oversized = Records((await connection.SendAsync<FetchResponse>(fetch, 11)).Responses[0].Partitions[0]);
        Assert.Equal(1, CompleteBatches(oversized));
        Assert.True(oversized.Length > 250_000);
    }

    [Fact]
    public async Task Fetch_ManyMegabytes_SentInPiecesIntact()
    {
        await using var broker = await EmbeddedBroker.StartAsync();
        await using var connection = await RawConnection.ConnectAsync(broker);
        await connection.CreateTopicAsync("large-fetch", ("segment.bytes", "2000000"));
        for (var i = 0; i < 12; i++)
        {
            Assert.Equal(0, (await connection.ProduceAsync("large-fetch", BatchOf(700_000, (byte)i))).ErrorCode);
        }

        // 8 MiB responses spanning segments, each batch CRC-checked by the consumer side.
        var consumed = await connection.ConsumeAllAsync("large-fetch");

        Assert.Equal(12, consumed.Count);
        Assert.All(consumed, r => Assert.Equal(700_000, r.Value!.Length));
    }

    private static byte[] BatchOf(int valueBytes, byte fill = (byte)'x')
    {
        var value = new byte[valueBytes];
        value.AsSpan().Fill(fill == (byte)'x' ? fill : (byte)('a' + fill));
        return Wire.Batch(1_700_000_000_000, ("k", Encoding.ASCII.GetString(value)));
    }

    private static short ProduceError(byte[]? frame)
    {
        Assert.NotNull(frame);
        var response = RawConnection.Decode<ProduceResponse>(frame, ApiKey.Produce, 9, 1);
        return response.Responses[0].PartitionResponses[0].ErrorCode;
    }

    private static byte[] Records(FetchResponse.PartitionData partition)
    {
        Assert.Equal(0, partition.ErrorCode);
        var bytes = new byte[partition.Records!.SizeInBytes];
        partition.Records.CopyTo(bytes);
        return bytes;
    }

    /// <summary>Whole, CRC-valid batches at the start of <paramref name="records"/> (a partial batch at the end is allowed).</summary>
    private static int CompleteBatches(byte[] records)
    {
        var batches = new RecordBatchEnumerator(records);
        var count = 0;
        while (batches.MoveNext())
        {
            Assert.True(RecordBatchHeader.IsCrcValid(batches.Current));
            count++;
        }

        return count;
    }

    private static long SettledHeapBytes()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
