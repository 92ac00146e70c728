using Platform.Protocol.Messages;

namespace Platform.Protocol.Tests.Messages;

public sealed class ApiHeadersTests
{
    [Theory]
    [InlineData(ApiKey.Produce, 8, 1)]
    [InlineData(ApiKey.Produce, 9, 2)]
    [InlineData(ApiKey.FindCoordinator, 2, 1)]
    [InlineData(ApiKey.FindCoordinator, 3, 2)]
    [InlineData(ApiKey.ApiVersions, 3, 2)]
    public void RequestHeaderVersion_ApiVersion_MatchesFlexibility(ApiKey apiKey, short apiVersion, short expected)
        => Assert.Equal(expected, ApiHeaders.RequestHeaderVersion(apiKey, apiVersion));

    [Theory]
    [InlineData(ApiKey.Fetch, 11, 0)]
    [InlineData(ApiKey.Fetch, 12, 1)]
    [InlineData(ApiKey.ApiVersions, 3, 0)]
    public void ResponseHeaderVersion_ApiVersion_MatchesFlexibility(ApiKey apiKey, short apiVersion, short expected)
        => Assert.Equal(expected, ApiHeaders.ResponseHeaderVersion(apiKey, apiVersion));

    [Fact]
    public void ApiMessages_Produce_ReportsVersionsAndFactories()
    {
        Assert.Equal(0, ApiMessages.LowestVersion(ApiKey.Produce));
        Assert.Equal(ProduceRequest.HighestSupportedVersion, ApiMessages.HighestVersion(ApiKey.Produce));
        Assert.Equal(9, ApiMessages.RequestFirstFlexibleVersion(ApiKey.Produce));
        Assert.Equal(9, ApiMessages.ResponseFirstFlexibleVersion(ApiKey.Produce));
        Assert.IsType<ProduceRequest>(ApiMessages.CreateRequest(ApiKey.Produce));
        Assert.IsType<ProduceResponse>(ApiMessages.CreateResponse(ApiKey.Produce));
        Assert.Equal(18, (short)ApiKey.ApiVersions);
    }
}
