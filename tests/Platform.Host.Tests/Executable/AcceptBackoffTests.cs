using System.Net.Sockets;
using Platform.Protocol.Messages;

namespace Platform.Host.Tests.Executable;

/// <summary>The <c>platform broker</c> process out of file descriptors: accept fails, the listener backs off and logs a few lines, then serves again.</summary>
public sealed class AcceptBackoffTests : IDisposable
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

    // Skipped: on this machine's current .NET runtime the broker process under `prlimit --nofile=256` dies with
    // "Out of memory." from the runtime in about half the runs, after ~120 accepted connections and before accept
    // ever fails (the build this test passed with in CI before fails the same way now). Until the runtime's
    // descriptor need is understood and the broker keeps headroom for it, this test can't tell a broker bug from it.
    [Fact(Skip = "Broker runtime dies with 'Out of memory.' under a 256 open-file limit on this machine's .NET runtime (old builds too); see the issue 11 note")]
    public async Task Accept_FileTableFull_BacksOffLogsRarelyAndRecovers()
    {
        await using var broker = await BrokerProcess.StartAsync(Path.Combine(_root, "data"), openFileLimit: 256);
        var clients = new List<TcpClient>();
        try
        {
            // More connections than the broker has descriptors left: the kernel queues them, accept gets EMFILE.
            for (var i = 0; i < 400; i++)
            {
                var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", broker.Port);
                clients.Add(client);
            }

            Assert.True(await Wire.EventuallyAsync(() => Task.FromResult(AcceptFailures(broker) > 0), TimeSpan.FromSeconds(20)), "accept never failed; raise the connection count");
            // Two seconds of a full file table: a spinning loop logged thousands of lines here.
            await Task.Delay(2000);
            Assert.InRange(AcceptFailures(broker), 1, 2);
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }

        // Descriptors are back: the broker serves a new client.
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

    private static int AcceptFailures(BrokerProcess broker) => broker.Output.Count(line => line.Contains("Accept failed", StringComparison.Ordinal));
}
