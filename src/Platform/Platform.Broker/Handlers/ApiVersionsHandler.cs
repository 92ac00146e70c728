using Microsoft.Extensions.DependencyInjection;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>ApiVersions: the version ranges of every API this broker serves (KIP-511 aware).</summary>
public sealed class ApiVersionsHandler(IServiceProvider services) : ApiHandler<ApiVersionsRequest, ApiVersionsResponse>
{
    private List<ApiVersionsResponse.ApiVersion>? _versions;

    public override ApiKey ApiKey => ApiKey.ApiVersions;

    public override short MinVersion => 0;

    public override short MaxVersion => 3;

    public bool IsSupported(short version) => version >= MinVersion && version <= MaxVersion;

    private List<ApiVersionsResponse.ApiVersion> Versions
        => _versions ??= services.GetServices<IApiHandler>().OrderBy(h => h.ApiKey)
            .Select(h => new ApiVersionsResponse.ApiVersion { ApiKey = (short)h.ApiKey, MinVersion = h.MinVersion, MaxVersion = h.MaxVersion })
            .ToList();

    public override ValueTask<ApiVersionsResponse?> HandleAsync(RequestContext context, ApiVersionsRequest request, CancellationToken cancellationToken)
        => ValueTask.FromResult<ApiVersionsResponse?>(new ApiVersionsResponse { ErrorCode = 0, ApiKeys = Versions });

    public override ApiVersionsResponse ErrorResponse(RequestContext context, ApiVersionsRequest request, ErrorCode error)
        => new() { ErrorCode = (short)error, ApiKeys = Versions };

    /// <summary>The v0 body a client gets when it asks with a version newer than ours.</summary>
    public ApiVersionsResponse UnsupportedVersionResponse()
        => new() { ErrorCode = (short)ErrorCode.UnsupportedVersion, ApiKeys = Versions };
}
