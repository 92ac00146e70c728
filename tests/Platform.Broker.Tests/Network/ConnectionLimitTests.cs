using System.Buffers.Binary;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Platform.Broker.Cluster;
using Platform.Broker.Network;
using Platform.Protocol.Messages;

namespace Platform.Broker.Tests.Network;

/// <summary>Idle and half-arrived connections, max.connections and max.connections.per.ip, against a broker on loopback.</summary>
public sealed class ConnectionLimitTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Connection_IdlePastConnectionsMaxIdleMs_ClosedByBroker()
    {
        await using var broker = await EmbeddedBroker.StartAsync(o => o.ConnectionsMaxIdleMs = 300);
        await using var connection = await RawConnection.ConnectAsync(broker);
        Assert.Equal(0, (await connection.SendAsync<ApiVersionsResponse>(new ApiVersionsRequest(), 0)).ErrorCode);

        Assert.True(await connection.IsClosedByBrokerAsync(Deadline));
        Assert.True(await Wire.EventuallyAsync(() => Task.FromResult(Server(broker).ConnectionCount == 0), Deadline));
    }

    [Fact]
    public async Task Connection_StreamingRequests_NeverTakenForClosedByTheSweep()
    {
        // The sweep probes a connection busy with a request for a client that went away. kcat streams produce
        // requests on one connection, so its loop keeps reading the next frame between requests; the sweep runs here
        // without pause instead of every second, so a probe that such a read can fool is caught.
        await using var broker = await EmbeddedBroker.StartAsync();
        var server = Server(broker);
        using var done = new CancellationTokenSource();
        var sweeps = 0L;
        var sweeping = Task.Run(() =>
        {
            while (!done.IsCancellationRequested)
            {
                server.Sweep(long.MaxValue, long.MaxValue);
                sweeps++;
            }
        });

        var lines = string.Join('\n', Enumerable.Range(0, 500_000).Select(i => $"record-{i:D7}-{new string('x', 80)}"));
        var result = await Kcat.RunAsync(broker.BootstrapServers, lines, "-P", "-t", "streamed", "-X", "acks=1", "-X", "linger.ms=5", "-X", "batch.size=65536");
        await done.CancelAsync();
        await sweeping;

        Assert.True(result.ExitCode == 0 && !result.StdErr.Contains("ERROR", StringComparison.Ordinal), result.StdErr);
        Assert.True(sweeps > 1000, $"{sweeps} sweeps");
        Assert.True(broker.Services.GetRequiredService<TopicManager>().TryGetTopic("streamed", out var topic));
        Assert.Equal(500_000, topic.Partitions.Sum(p => p.Log.LogEndOffset));
    }

    [Fact]
    public async Task Connection_ActiveMoreOftenThanIdleLimit_StaysOpen()
    {
        await using var broker = await EmbeddedBroker.StartAsync(o => o.ConnectionsMaxIdleMs = 2000);
        await using var connection = await RawConnection.ConnectAsync(broker);

        // Four idle limits' worth of requests, each well within the limit of the one before.
        var until = DateTime.UtcNow.AddMilliseconds(8000);
        while (DateTime.UtcNow < until)
        {
            Assert.Equal(0, (await connection.SendAsync<ApiVersionsResponse>(new ApiVersionsRequest(), 0)).ErrorCode);
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task Frame_StopsArrivingHalfway_ClosedAfterFrameTimeout()
    {
        await using var broker = await EmbeddedBroker.StartAsync(o =>
        {
            o.SocketRequestFrameTimeoutMs = 300;
            o.ConnectionsMaxIdleMs = 600_000;
        });
        await using var stalled = await RawConnection.ConnectAsync(broker);
        await using var bystander = await RawConnection.ConnectAsync(broker);
        var frame = RawConnection.Frame(new MetadataRequest { Topics = [new() { Name = "slow" }] }, 4, 1);

        await stalled.SendRawAsync(frame[..(frame.Length / 2)]);

        Assert.True(await stalled.IsClosedByBrokerAsync(Deadline));
        // The idle limit is ten minutes: the close was the frame timeout's, and the bystander, idle meanwhile, is served.
        Assert.Equal(0, (await bystander.SendAsync<ApiVersionsResponse>(new ApiVersionsRequest(), 0)).ErrorCode);
    }

    [Fact]
    public async Task Frame_SizePrefixOnly_ClosedAfterFrameTimeout()
    {
        await using var broker = await EmbeddedBroker.StartAsync(o => o.SocketRequestFrameTimeoutMs = 300);
        await using var connection = await RawConnection.ConnectAsync(broker);

        // Two bytes of a size prefix, then nothing: a slow-loris that never even finishes the size.
        await connection.SendRawAsync([0, 0]);

        Assert.True(await connection.IsClosedByBrokerAsync(Deadline));
    }

    [Fact]
    public async Task MaxConnectionsPerIp_Exceeded_NewConnectionClosedOthersServed()
    {
        // Addresses of their own (all of 127/8 is loopback), so no other process's connection counts.
        var address = IPAddress.Parse("127.0.0.6");
        await using var broker = await EmbeddedBroker.StartAsync(o => o.MaxConnectionsPerIp = 2);
        await using var first = await RawConnection.ConnectFromAsync(address, broker.Port);
        await using var second = await RawConnection.ConnectFromAsync(address, broker.Port);
        Assert.Equal(0, (await second.SendAsync<ApiVersionsResponse>(new ApiVersionsRequest(), 0)).ErrorCode);

        await using var third = await RawConnection.ConnectFromAsync(address, broker.Port);

        Assert.True(await third.IsClosedByBrokerAsync(Deadline));
        Assert.Equal(0, (await first.SendAsync<ApiVersionsResponse>(new ApiVersionsRequest(), 0)).ErrorCode);
        // Another address has its own count.
        await using var other = await RawConnection.ConnectFromAsync(IPAddress.Parse("127.0.0.2"), broker.Port);
        Assert.Equal(0, (await other.SendAsync<ApiVersionsResponse>(new ApiVersionsRequest(), 0)).ErrorCode);
    }

    [Fact]
    public async Task MaxConnectionsPerIpOverrides_OwnLimitPerAddress()
    {
        var local7 = IPAddress.Parse("127.0.0.7");
        var local3 = IPAddress.Parse("127.0.0.3");
        await using var broker = await EmbeddedBroker.StartAsync(o =>
        {
            o.MaxConnectionsPerIp = 0;
            o.MaxConnectionsPerIpOverrides = "127.0.0.7:1, 127.0.0.3:2";
        });
        await using var one = await RawConnection.ConnectFromAsync(local7, broker.Port);
        await using var a = await RawConnection.ConnectFromAsync(local3, broker.Port);
        await using var b = await RawConnection.ConnectFromAsync(local3, broker.Port);
        Assert.Equal(0, (await b.SendAsync<ApiVersionsResponse>(new ApiVersionsRequest(), 0)).ErrorCode);

        await using var secondFromSeven = await RawConnection.ConnectFromAsync(local7, broker.Port);
        await using var thirdFromThree = await RawConnection.ConnectFromAsync(local3, broker.Port);
        await using var fromElsewhere = await RawConnection.ConnectFromAsync(IPAddress.Parse("127.0.0.4"), broker.Port);

        Assert.True(await secondFromSeven.IsClosedByBrokerAsync(Deadline));
        Assert.True(await thirdFromThree.IsClosedByBrokerAsync(Deadline));
        // max.connections.per.ip is 0: an address without an override gets no connection at all.
        Assert.True(await fromElsewhere.IsClosedByBrokerAsync(Deadline));
        Assert.Equal(0, (await one.SendAsync<ApiVersionsResponse>(new ApiVersionsRequest(), 0)).ErrorCode);
    }

    [Fact]
    public async Task MaxConnections_Reached_NextOneServedOnlyAfterOneCloses()
    {
        await using var broker = await EmbeddedBroker.StartAsync(o => o.MaxConnections = 2);
        var first = await RawConnection.ConnectAsync(broker);
        await using var second = await RawConnection.ConnectAsync(broker);
        Assert.Equal(0, (await first.SendAsync<ApiVersionsResponse>(new ApiVersionsRequest(), 0)).ErrorCode);
        Assert.Equal(0, (await second.SendAsync<ApiVersionsResponse>(new ApiVersionsRequest(), 0)).ErrorCode);

        // The kernel completes the handshake (listen backlog), but the broker does not take the connection.
        await using var third = await RawConnection.ConnectAsync(broker);
        await third.SendRawAsync(RawConnection.Frame(new ApiVersionsRequest(), 0, 7));
        var answer = third.ReadFrameAsync(Deadline + Deadline);
        await Task.Delay(500);
        Assert.False(answer.IsCompleted, "the third connection was served while two were open");
        Assert.Equal(2, Server(broker).ConnectionCount);

        await first.DisposeAsync();

        var frame = await answer;
        Assert.NotNull(frame);
        Assert.Equal(7, BinaryPrimitives.ReadInt32BigEndian(frame));
    }

    [Fact]
    public async Task Options_NewNetworkKeys_DescribedAsBrokerConfigs()
    {
        await using var broker = await EmbeddedBroker.StartAsync(o =>
        {
            o.FetchMaxBytes = 1 << 20;
            o.MaxConnectionsPerIpOverrides = "127.0.0.1:5";
        });
        await using var connection = await RawConnection.ConnectAsync(broker);
        var request = new DescribeConfigsRequest { Resources = [new() { ResourceType = 4, ResourceName = "1" }] };

        var configs = Assert.Single((await connection.SendAsync<DescribeConfigsResponse>(request, 4)).Results).Configs.ToDictionary(c => c.Name, c => c.Value);

        Assert.Equal("1048576", configs["fetch.max.bytes"]);
        Assert.Equal("127.0.0.1:5", configs["max.connections.per.ip.overrides"]);
        Assert.Equal((512L << 20).ToString(System.Globalization.CultureInfo.InvariantCulture), configs["queued.max.request.bytes"]);
        Assert.Equal("600000", configs["connections.max.idle.ms"]);
        Assert.Equal(int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture), configs["max.connections"]);
        Assert.Equal("60000", configs["socket.request.frame.timeout.ms"]);
    }

    internal static SocketServer Server(EmbeddedBroker broker) => broker.Services.GetRequiredService<SocketServer>();
}
