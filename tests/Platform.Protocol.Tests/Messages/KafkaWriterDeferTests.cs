using Platform.Protocol.Messages;

namespace Platform.Protocol.Tests.Messages;

/// <summary>Deferred records: the buffer holds everything but them, and buffer + records in order are the same bytes as a plain write.</summary>
public sealed class KafkaWriterDeferTests
{
    [Fact]
    public void WriteRecords_AboveThreshold_DeferredAndReassemblesToTheSameBytes()
    {
        var large = new byte[100_000];
        new Random(3).NextBytes(large);
        var response = new FetchResponse
        {
            Responses =
            [
                new()
                {
                    Topic = "t",
                    Partitions =
                    [
                        new() { PartitionIndex = 0, Records = new MemoryRecords(large) },
                        new() { PartitionIndex = 1, Records = new MemoryRecords(new byte[] { 1, 2, 3 }) },
                        new() { PartitionIndex = 2, Records = new MemoryRecords(large.AsMemory(0, 50_000)) },
                    ],
                },
            ],
        };
        using var plain = new KafkaWriter();
        response.Write(plain, 12);
        using var deferring = new KafkaWriter { DeferRecordsFrom = 32 * 1024 };

        response.Write(deferring, 12);

        Assert.Equal(2, deferring.Deferred.Count);
        Assert.Equal(plain.Length, deferring.TotalLength);
        Assert.Equal(plain.Length - 150_000, deferring.Length);
        var reassembled = new List<byte>();
        var position = 0;
        foreach (var deferred in deferring.Deferred)
        {
            reassembled.AddRange(deferring.WrittenSpan[position..deferred.Position].ToArray());
            var piece = new byte[deferred.Records.SizeInBytes];
            // Through the ranged copy, in pieces, as the broker sends them.
            for (var offset = 0; offset < piece.Length; offset += 7000)
            {
                var count = Math.Min(7000, piece.Length - offset);
                deferred.Records.CopyTo(offset, piece.AsSpan(offset, count));
            }

            reassembled.AddRange(piece);
            position = deferred.Position;
        }

        reassembled.AddRange(deferring.WrittenSpan[position..].ToArray());
        Assert.Equal(plain.WrittenSpan.ToArray(), reassembled.ToArray());
    }

    [Fact]
    public void ResetAndShrink_AfterALargeMessage_GivesBackTheLargeBuffer()
    {
        using var writer = new KafkaWriter(64 * 1024);
        writer.WriteRaw(new byte[3 * 1024 * 1024]);
        Assert.True(writer.Capacity >= 3 * 1024 * 1024);

        writer.ResetAndShrink(1024 * 1024, 64 * 1024);

        Assert.Equal(0, writer.TotalLength);
        Assert.True(writer.Capacity <= 1024 * 1024, $"capacity {writer.Capacity}");
    }
}
