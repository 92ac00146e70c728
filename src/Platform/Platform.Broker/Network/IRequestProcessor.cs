namespace Platform.Broker.Network;

/// <summary>
/// What the transport hands every whole request frame to. The transport accepts connections, reads
/// frames within the limits and writes the bytes it is given; everything that knows Kafka's APIs is
/// behind this interface.
/// </summary>
public interface IRequestProcessor
{
    /// <summary>
    /// Handles one request frame (its payload, without the size), answering through
    /// <see cref="IClientConnection.Output"/>. The frame's memory is valid until the returned task
    /// completes. False closes the connection (nothing more is read from it).
    /// </summary>
    ValueTask<bool> ProcessAsync(IClientConnection connection, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken = default);
}
