using Platform.Client.Network;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Client.Tests.Network;

public sealed class ApiVersionSetTests
{
    private static ApiVersionsResponse.ApiVersion Range(short key, short min, short max) => new() { ApiKey = key, MinVersion = min, MaxVersion = max };

    [Fact]
    public void FromResponse_SelectsTheHighestCommonVersion_AndLeavesOutKeysThisClientDoesNotKnow()
    {
        var set = ApiVersionSet.FromResponse(
            new ApiVersionsResponse { ApiKeys = [Range((short)ApiKey.Produce, 3, 7), Range((short)ApiKey.Metadata, 0, 99), Range(999, 0, 5), Range(50, 0, 1)] },
            "b:9092");

        Assert.Equal(7, set.Select(ApiKey.Produce));
        Assert.Equal(5, set.Select(ApiKey.Produce, clientMax: 5));
        Assert.Equal(ApiMessages.HighestVersion(ApiKey.Metadata), set.Select(ApiKey.Metadata));
        Assert.True(set.TryGetBrokerRange(ApiKey.Produce, out var min, out var max));
        Assert.Equal((3, 7), (min, max));
        Assert.False(set.Supports((ApiKey)999));
        Assert.False(set.Supports((ApiKey)50));
        Assert.False(set.TryGetBrokerRange((ApiKey)999, out _, out _));
    }

    [Fact]
    public void Select_AnApiTheBrokerDidNotAnnounce_FailsWithUnsupportedVersion()
    {
        var set = ApiVersionSet.FromResponse(new ApiVersionsResponse { ApiKeys = [Range((short)ApiKey.Produce, 0, 11)] }, "b:9092");

        var error = Assert.Throws<KafkaException>(() => set.Select(ApiKey.Fetch));

        Assert.Equal(ErrorCode.UnsupportedVersion, error.Error.Code);
        Assert.Contains("b:9092", error.Message, StringComparison.Ordinal);
        Assert.False(set.Supports(ApiKey.Fetch));
    }

    [Fact]
    public void Select_NoVersionInCommon_FailsWithUnsupportedVersion()
    {
        var set = ApiVersionSet.FromResponse(new ApiVersionsResponse { ApiKeys = [Range((short)ApiKey.Produce, 50, 60)] }, "b:9092");

        Assert.Equal(ErrorCode.UnsupportedVersion, Assert.Throws<KafkaException>(() => set.Select(ApiKey.Produce)).Error.Code);
    }

    [Fact]
    public void ClientDefaults_KnowsEveryApiOfThisClient_AndTheConstructorTakesAnnouncedRanges()
    {
        var defaults = ApiVersionSet.ClientDefaults("b:9092");
        foreach (var key in Enum.GetValues<ApiKey>())
        {
            Assert.Equal(ApiMessages.HighestVersion(key), defaults.Select(key));
        }

        var given = new ApiVersionSet([KeyValuePair.Create(ApiKey.Fetch, ((short)4, (short)12))], "b:9092");
        Assert.Equal(12, given.Select(ApiKey.Fetch));
        Assert.False(given.Supports(ApiKey.Produce));
    }
}
