using System.Buffers;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Client.Network;

/// <summary>A request sent on a connection whose response has not arrived yet.</summary>
internal abstract class PendingRequest(ApiKey apiKey, short version, int correlationId)
{
    public ApiKey ApiKey { get; } = apiKey;

    public short Version { get; } = version;

    public int CorrelationId { get; } = correlationId;

    /// <summary>
    /// Decodes the response (on the read loop, synchronously) and completes the caller's task. The
    /// payload is only valid during the call: the request copies what it keeps.
    /// </summary>
    public abstract void Complete(in ReadOnlySequence<byte> payload);

    /// <summary>Fails the caller's task; false if it had already completed.</summary>
    public abstract bool Fail(Exception exception);

    /// <summary>
    /// Called when the caller stops waiting (timeout, cancellation): completes the task so that a
    /// later failure cannot go unobserved.
    /// </summary>
    public abstract void Abandon();

    /// <summary>Describes the request in error messages.</summary>
    public override string ToString() => $"{ApiKey} v{Version} (correlation id {CorrelationId})";
}

/// <summary>
/// A pending request whose response decodes to <typeparamref name="T"/>. The payload is copied
/// into a fresh array (decoded responses may keep slices of it), or, for a
/// <see cref="PooledResponse{TResponse}"/>, into a pooled one whose ownership moves to the caller.
/// </summary>
internal sealed class PendingRequest<T>(ApiKey apiKey, short version, int correlationId, Func<ReadOnlyMemory<byte>, T> decode)
    : PendingRequest(apiKey, version, correlationId)
{
    private static readonly bool Pooled = typeof(IPooledResponse).IsAssignableFrom(typeof(T));

    // Continuations run on the pool, never inline on the connection's read loop.
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<T> Task => _completion.Task;

    public override void Complete(in ReadOnlySequence<byte> payload)
    {
        T response;
        byte[]? rented = null;
        try
        {
            if (Pooled)
            {
                var length = checked((int)payload.Length);
                rented = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
                payload.CopyTo(rented);
                response = decode(rented.AsMemory(0, length));
                ((IPooledResponse)response!).Adopt(rented);
                rented = null;
            }
            else
            {
                response = decode(payload.ToArray());
            }
        }
        catch (Exception ex) when (ex is ProtocolException or InvalidOperationException or OverflowException)
        {
            _completion.TrySetException(new KafkaException(
                new Error(ErrorCode.CorruptMessage, $"Could not decode the {this} response: {ex.Message}"),
                ex));
            return;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        if (!_completion.TrySetResult(response) && response is IDisposable owner)
        {
            // Nobody waits for it any more (timed out, cancelled): hand the buffer back.
            owner.Dispose();
        }
    }

    public override bool Fail(Exception exception) => _completion.TrySetException(exception);

    public override void Abandon()
    {
        if (!_completion.TrySetCanceled())
        {
            // Touching Exception marks a fault as observed.
            _ = _completion.Task.Exception;
        }
    }
}

/// <summary>Receives the outcome of a request sent with <see cref="KafkaConnection.Send{TResponse}"/>.</summary>
internal interface IResponseHandler<in TResponse>
{
    /// <summary>
    /// Called once, with the decoded response or the failure, on the connection's read loop (or on
    /// the failing thread): it must be quick and must not block.
    /// </summary>
    void OnCompleted(TResponse? response, KafkaException? failure);
}

/// <summary>
/// A pending request whose outcome goes straight to an <see cref="IResponseHandler{TResponse}"/> on the
/// read loop: no task, no continuation on the thread pool, no timer. Its sender keeps the timeout.
/// </summary>
internal sealed class HandledRequest<T>(ApiKey apiKey, short version, int correlationId, IResponseHandler<T> handler)
    : PendingRequest(apiKey, version, correlationId)
    where T : IResponseMessage, new()
{
    private int _done;

    public override void Complete(in ReadOnlySequence<byte> payload)
    {
        T response;
        try
        {
            response = FrameCodec.ReadResponse<T>(payload.ToArray(), ApiKey, Version);
        }
        catch (Exception ex) when (ex is ProtocolException or InvalidOperationException or OverflowException)
        {
            Fail(new KafkaException(new Error(ErrorCode.CorruptMessage, $"Could not decode the {this} response: {ex.Message}"), ex));
            return;
        }

        if (Interlocked.Exchange(ref _done, 1) == 0)
        {
            handler.OnCompleted(response, null);
        }
    }

    public override bool Fail(Exception exception)
    {
        if (Interlocked.Exchange(ref _done, 1) != 0)
        {
            return false;
        }

        handler.OnCompleted(default, exception as KafkaException ?? new KafkaException(new Error(ErrorCode.UnknownServerError, exception.Message), exception));
        return true;
    }

    public override void Abandon() => Interlocked.Exchange(ref _done, 1);
}
