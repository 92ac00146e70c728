using System.Buffers;
using Platform.Protocol;

namespace Platform.Protocol.Tests.Primitives;

public sealed class FrameSplitterTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(8)]
    public void TryReadFrame_IncompleteFrame_ReturnsFalseAndConsumesNothing(int available)
    {
        var bytes = new byte[] { 0, 0, 0, 5, 1, 2, 3, 4, 5 }[..available];
        var buffer = new ReadOnlySequence<byte>(bytes);

        Assert.False(FrameSplitter.TryReadFrame(ref buffer, 0, 100, "max", out _));
        Assert.Equal(available, buffer.Length);
    }

    [Fact]
    public void TryReadFrame_TwoFramesBackToBack_ReadsBoth()
    {
        var buffer = new ReadOnlySequence<byte>(new byte[] { 0, 0, 0, 2, 7, 8, 0, 0, 0, 1, 9, 42 });

        Assert.True(FrameSplitter.TryReadFrame(ref buffer, 0, 100, "max", out var first));
        Assert.True(FrameSplitter.TryReadFrame(ref buffer, 0, 100, "max", out var second));

        Assert.Equal(new byte[] { 7, 8 }, first.ToArray());
        Assert.Equal(new byte[] { 9 }, second.ToArray());
        Assert.Equal(1, buffer.Length);
    }

    [Fact]
    public void TryReadFrame_SizePrefixSplitAcrossSegments_ReadsIt()
    {
        var buffer = Segments([0, 0], [0, 3, 1], [2, 3]);

        Assert.True(FrameSplitter.TryReadFrame(ref buffer, 0, 100, "max", out var payload));

        Assert.Equal(new byte[] { 1, 2, 3 }, payload.ToArray());
        Assert.True(buffer.IsEmpty);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 101 })]
    [InlineData(new byte[] { 0, 0, 0, 7 })]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF })]
    public void TryReadFrame_SizeOutsideLimits_ThrowsProtocolExceptionNamingTheLimit(byte[] prefix)
    {
        var buffer = new ReadOnlySequence<byte>(prefix);

        bool Read() => FrameSplitter.TryReadFrame(ref buffer, 8, 100, "socket.request.max.bytes", out _);

        var error = Assert.Throws<ProtocolException>(() => Read());
        Assert.Contains("outside 8..100 (socket.request.max.bytes)", error.Message, StringComparison.Ordinal);
    }

    private static ReadOnlySequence<byte> Segments(params byte[][] parts)
    {
        var first = new Segment(parts[0], 0);
        var last = first;
        foreach (var part in parts.Skip(1))
        {
            last = last.Append(part);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] bytes, long runningIndex)
        {
            Memory = bytes;
            RunningIndex = runningIndex;
        }

        public Segment Append(byte[] bytes)
        {
            var next = new Segment(bytes, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
