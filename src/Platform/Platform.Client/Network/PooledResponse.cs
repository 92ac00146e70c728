using System.Buffers;
using Platform.Protocol.Messages;

namespace Platform.Client.Network;

/// <summary>A response that adopts the pooled buffer it was decoded from.</summary>
internal interface IPooledResponse
{
    /// <summary>Takes ownership of <paramref name="buffer"/>, rented from <see cref="ArrayPool{T}.Shared"/>.</summary>
    void Adopt(byte[] buffer);
}

/// <summary>
/// A decoded response together with the pooled buffer its byte fields (records) are slices of.
/// Dispose it once nothing reads those slices any more; the buffer goes back to the pool.
/// </summary>
/// <typeparam name="TResponse">The response message.</typeparam>
public sealed class PooledResponse<TResponse> : IPooledResponse, IDisposable
    where TResponse : IResponseMessage
{
    private byte[]? _buffer;

    internal PooledResponse(TResponse response) => Response = response;

    /// <summary>The decoded response; its byte fields are valid until <see cref="Dispose"/>.</summary>
    public TResponse Response { get; }

    void IPooledResponse.Adopt(byte[] buffer) => _buffer = buffer;

    /// <summary>Returns the buffer to the pool. Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
