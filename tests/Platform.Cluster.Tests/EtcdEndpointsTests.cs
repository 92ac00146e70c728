namespace Platform.Cluster.Tests;

public class EtcdEndpointsTests
{
    [Fact]
    public void Parse_CommaSeparatedUrls_ReturnsEach()
    {
        var endpoints = EtcdEndpoints.Parse("http://127.0.0.1:2379, http://127.0.0.1:22379,https://[::1]:2379");

        Assert.Equal(["http://127.0.0.1:2379/", "http://127.0.0.1:22379/", "https://[::1]:2379/"], endpoints.Select(e => e.ToString()));
    }

    [Theory]
    [InlineData("127.0.0.1:2379")]
    [InlineData("http://127.0.0.1")]
    [InlineData("ftp://127.0.0.1:2379")]
    [InlineData("http://127.0.0.1:2379/v3")]
    [InlineData(" , ")]
    public void Parse_BadValue_NamesTheKey(string value)
    {
        var ex = Assert.Throws<FormatException>(() => EtcdEndpoints.Parse(value));
        Assert.StartsWith("etcd.endpoints:", ex.Message, StringComparison.Ordinal);
    }
}
