namespace Platform.Broker.Network;

/// <summary>
/// One request frame's payload (without its size). A small frame is a slice of the connection's
/// receive buffer, valid until the next read; a large one has a buffer of its own. Either way its
/// bytes are reserved in the <see cref="RequestMemoryBudget"/> until <see cref="FrameReader.Release"/>.
/// </summary>
internal readonly struct RequestFrame
{
    public RequestFrame(Memory<byte> payload, byte[]? ownBuffer)
    {
        Payload = payload;
        OwnBuffer = ownBuffer;
    }

    public Memory<byte> Payload { get; }

    /// <summary>The buffer rented for this frame alone, or null when the payload lies in the receive buffer.</summary>
    public byte[]? OwnBuffer { get; }
}
