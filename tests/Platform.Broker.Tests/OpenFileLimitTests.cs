namespace Platform.Broker.Tests;

public sealed class OpenFileLimitTests
{
    [Theory]
    [InlineData(256, 152, 40)]
    [InlineData(1_048_576, 200, 1_048_312)]
    [InlineData(200, 180, 1)]
    public void ConnectionCap_LeavesTheHeadroomFree(long limit, int inUse, int expected)
        => Assert.Equal(expected, OpenFileLimit.ConnectionCap(limit, inUse));

    [Fact]
    public void InUse_CountsThisProcesssDescriptors()
    {
        var before = OpenFileLimit.InUse();
        Assert.NotNull(before);
        var files = Enumerable.Range(0, 50).Select(_ => File.OpenRead(typeof(OpenFileLimitTests).Assembly.Location)).ToList();
        try
        {
            // Other tests run beside this one and open and close files too: a margin of ten.
            Assert.InRange(OpenFileLimit.InUse()!.Value, before.Value + 40, int.MaxValue);
        }
        finally
        {
            files.ForEach(f => f.Dispose());
        }

        Assert.Null(OpenFileLimit.InUse(Path.Combine(Path.GetTempPath(), "no-such-" + Guid.NewGuid().ToString("N"))));
    }
}
