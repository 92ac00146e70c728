using System.Net.Sockets;
using Platform.Protocol.Messages;

namespace Platform.Host.Tests.Executable;

/// <summary>
/// The <c>platform broker</c> process under a low open-file limit: connections are capped below it, so the
/// descriptors never run out (the runtime aborts the process when it cannot start a thread for lack of one);
/// the clients over the cap wait, the broker logs a few lines, and serves again once connections close.
/// </summary>
public sealed class OpenFileLimitTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "platform-emfile-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task LowOpenFileLimit_ConnectionsCappedBelowIt_BrokerSurvivesLogsRarelyAndRecovers()
    {
        await using var broker = await BrokerProcess.StartAsync(Path.Combine(_root, "data"), openFileLimit: 256);
        var cap = Assert.Single(broker.Output, line => line.Contains("Connections capped at", StringComparison.Ordinal));
        var clients = new List<TcpClient>();
        try
        {
            // Far more connections than the limit has descriptors: without the cap, accept would hit EMFILE and
            // the runtime would soon abort for want of a descriptor to start a thread.
            for (var i = 0; i < 400; i++)
            {
                var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", broker.Port);
                clients.Add(client);
            }

            Assert.True(await Wire.EventuallyAsync(() => Task.FromResult(AtCapLines(broker) > 0), TimeSpan.FromSeconds(20)), $"never reached the cap ({cap})");
            // Two seconds at the cap: a spinning accept loop logged thousands of lines here.
            await Task.Delay(2000);
            Assert.InRange(AtCapLines(broker), 1, 2);
            Assert.DoesNotContain(broker.Output, line => line.Contains("Accept failed", StringComparison.Ordinal));
            Assert.False(broker.HasExited);
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }

        // Connections closed: the broker serves a new client.
        Assert.True(await Wire.EventuallyAsync(
            async () =>
            {
                try
                {
                    await using var connection = await RawConnection.ConnectAsync(broker.Port);
                    return (await connection.SendAsync<ApiVersionsResponse>(new ApiVersionsRequest(), 0)).ErrorCode == 0;
                }
                catch (IOException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(30)));
        Assert.False(broker.HasExited);
    }

    private static int AtCapLines(BrokerProcess broker) => broker.Output.Count(line => line.Contains("the most allowed", StringComparison.Ordinal));
}
