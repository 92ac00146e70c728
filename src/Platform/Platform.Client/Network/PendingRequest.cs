using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Client.Network;

/// <summary>A request sent on a connection whose response has not arrived yet.</summary>
internal abstract class PendingRequest(ApiKey apiKey, short version, int correlationId)
{
    public ApiKey ApiKey { get; } = apiKey;

    public short Version { get; } = version;

    public int CorrelationId { get; } = correlationId;

    /// <summary>Decodes the response (on the read loop, synchronously) and completes the caller's task.</summary>
    public abstract void Complete(ReadOnlyMemory<byte> payload);

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

/// <summary>A pending request whose response decodes to <typeparamref name="T"/>.</summary>
internal sealed class PendingRequest<T>(ApiKey apiKey, short version, int correlationId, Func<ReadOnlyMemory<byte>, T> decode)
    : PendingRequest(apiKey, version, correlationId)
{
    // Continuations run on the pool, never inline on the connection's read loop.
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<T> Task => _completion.Task;

    public override void Complete(ReadOnlyMemory<byte> payload)
    {
        T response;
        try
        {
            response = decode(payload);
        }
        catch (Exception ex) when (ex is ProtocolException or InvalidOperationException or OverflowException)
        {
            _completion.TrySetException(new KafkaException(
                new Error(ErrorCode.CorruptMessage, $"Could not decode the {this} response: {ex.Message}"),
                ex));
            return;
        }

        _completion.TrySetResult(response);
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
