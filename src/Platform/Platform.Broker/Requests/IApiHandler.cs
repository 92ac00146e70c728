using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Requests;

/// <summary>Serves one API key over a range of versions.</summary>
public interface IApiHandler
{
    ApiKey ApiKey { get; }

    short MinVersion { get; }

    short MaxVersion { get; }

    /// <summary>
    /// True when <see cref="HandleAsync"/> does everything whose order matters (its appends) before it
    /// first waits, and then only waits (for an fsync, for the ISR) without touching the request's
    /// memory. The connection then reads and handles its next requests meanwhile; answers still go out
    /// in order. Kafka's broker handles one request per connection at a time, so a producer with five
    /// requests in flight, or a consumer committing asynchronously, waits for one fsync per request.
    /// </summary>
    bool Pipelined => false;

    IRequestMessage CreateRequest();

    /// <summary>Returns the response, or null when the request wants none (Produce with acks=0).</summary>
    ValueTask<IResponseMessage?> HandleAsync(RequestContext context, IRequestMessage request, CancellationToken cancellationToken);

    /// <summary>The response that reports <paramref name="error"/> for every part of <paramref name="request"/>.</summary>
    IResponseMessage ErrorResponse(RequestContext context, IRequestMessage request, ErrorCode error);
}

/// <summary>Typed base: one handler class per API key.</summary>
public abstract class ApiHandler<TRequest, TResponse> : IApiHandler
    where TRequest : class, IRequestMessage, new()
    where TResponse : class, IResponseMessage
{
    public abstract ApiKey ApiKey { get; }

    public abstract short MinVersion { get; }

    public abstract short MaxVersion { get; }

    public virtual bool Pipelined => false;

    public IRequestMessage CreateRequest() => new TRequest();

    async ValueTask<IResponseMessage?> IApiHandler.HandleAsync(RequestContext context, IRequestMessage request, CancellationToken cancellationToken)
        => await HandleAsync(context, (TRequest)request, cancellationToken).ConfigureAwait(false);

    IResponseMessage IApiHandler.ErrorResponse(RequestContext context, IRequestMessage request, ErrorCode error)
        => ErrorResponse(context, (TRequest)request, error);

    public abstract ValueTask<TResponse?> HandleAsync(RequestContext context, TRequest request, CancellationToken cancellationToken);

    public abstract TResponse ErrorResponse(RequestContext context, TRequest request, ErrorCode error);
}
