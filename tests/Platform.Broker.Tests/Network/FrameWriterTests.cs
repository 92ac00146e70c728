using System.Buffers.Binary;
using Platform.Broker.Network;

namespace Platform.Broker.Tests.Network;

/// <summary>Response frames held back for the next one go out with it, in one write, each with its own size.</summary>
public sealed class FrameWriterTests
{
    [Fact]
    public async Task SendAsync_HeldBackFrames_GoOutWithTheNextInOneWrite()
    {
        var stream = new WriteCountingStream();
        using var writer = new FrameWriter(stream, TimeProvider.System);

        for (var i = 1; i <= 3; i++)
        {
            writer.Begin().WriteInt32(i);
            await writer.SendAsync(flush: i == 3);
            Assert.Equal(i == 3 ? 1 : 0, stream.Writes);
        }

        var sent = stream.ToArray();
        Assert.Equal(3 * 8, sent.Length);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(4, BinaryPrimitives.ReadInt32BigEndian(sent.AsSpan(i * 8)));
            Assert.Equal(i + 1, BinaryPrimitives.ReadInt32BigEndian(sent.AsSpan((i * 8) + 4)));
        }
    }

    [Fact]
    public async Task FlushHeldAsync_FramesHeldBack_SentAndTheNextFrameStartsAfresh()
    {
        var stream = new WriteCountingStream();
        using var writer = new FrameWriter(stream, TimeProvider.System);
        writer.Begin().WriteInt16(7);
        await writer.SendAsync(flush: false);

        await writer.FlushHeldAsync();
        await writer.FlushHeldAsync();
        writer.Begin().WriteInt16(8);
        await writer.SendAsync();

        Assert.Equal(2, stream.Writes);
        Assert.Equal(new byte[] { 0, 0, 0, 2, 0, 7, 0, 0, 0, 2, 0, 8 }, stream.ToArray());
    }

    private sealed class WriteCountingStream : MemoryStream
    {
        public int Writes { get; private set; }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Writes++;
            return base.WriteAsync(buffer, cancellationToken);
        }
    }
}
