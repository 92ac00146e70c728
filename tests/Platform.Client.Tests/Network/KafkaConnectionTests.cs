using System.Net;
using System.Net.Sockets;
using Platform.Client.Network;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Client.Tests.Network;

public sealed class KafkaConnectionTests
{
    private static MetadataRequest Metadata(string topic) => new() { Topics = [new MetadataRequest.MetadataRequestTopic { Name = topic }] };

    private static MetadataResponse Answer(ReceivedRequest request)
        => new() { ClusterId = ((MetadataRequest)request.Body).Topics![0].Name };

    [Fact]
    public async Task ConnectAsync_NegotiatesMinOfClientAndBrokerMax()
    {
        await using var broker = new FakeBroker(k => k == ApiKey.Metadata ? ((short)0, (short)5) : (ApiMessages.LowestVersion(k), (short)(ApiMessages.HighestVersion(k) + 3)));
        await using var connection = await KafkaConnection.ConnectAsync(broker.Address);

        Assert.Equal(5, connection.ApiVersions.Select(ApiKey.Metadata));
        Assert.Equal(ApiMessages.HighestVersion(ApiKey.CreateTopics), connection.ApiVersions.Select(ApiKey.CreateTopics));

        var send = connection.SendAsync<MetadataResponse>(Metadata("a"));
        var request = await broker.NextRequestAsync();
        Assert.Equal(5, request.Version);
        Assert.Equal("platform-client", request.ClientId);
        await broker.RespondAsync(request, Answer(request));
        Assert.Equal("a", (await send).ClusterId);
    }

    [Fact]
    public async Task Select_BrokerLacksApi_ThrowsUnsupportedVersionNamingTheApi()
    {
        await using var broker = new FakeBroker(k => k == ApiKey.CreateTopics ? null : ((short)0, ApiMessages.HighestVersion(k)));
        await using var connection = await KafkaConnection.ConnectAsync(broker.Address);

        var ex = await Assert.ThrowsAsync<KafkaException>(() => connection.SendAsync<CreateTopicsResponse>(new CreateTopicsRequest()));

        Assert.Equal(ErrorCode.UnsupportedVersion, ex.Error.Code);
        Assert.Contains("CreateTopics", ex.Message);
        Assert.False(ex.Error.IsRetriable);
    }

    [Fact]
    public async Task ConnectAsync_BrokerRejectsApiVersionsVersion_RetriesWithBrokersVersion()
    {
        await using var broker = new FakeBroker { MaxApiVersionsVersion = 2 };
        await using var connection = await KafkaConnection.ConnectAsync(broker.Address);

        Assert.True(connection.ApiVersions.Supports(ApiKey.Metadata));
        Assert.Equal(2, connection.ApiVersions.Select(ApiKey.ApiVersions));
    }

    [Fact]
    public async Task SendAsync_ResponsesOutOfOrder_EachCallerGetsItsOwn()
    {
        await using var broker = new FakeBroker();
        await using var connection = await KafkaConnection.ConnectAsync(broker.Address);

        var sends = Enumerable.Range(0, 5).Select(i => connection.SendAsync<MetadataResponse>(Metadata($"t{i}"))).ToArray();
        var requests = new List<ReceivedRequest>();
        for (var i = 0; i < sends.Length; i++)
        {
            requests.Add(await broker.NextRequestAsync());
        }

        Assert.Equal(5, connection.InFlightCount);
        Assert.Equal(5, requests.Select(r => r.CorrelationId).Distinct().Count());
        requests.Reverse();
        foreach (var request in requests)
        {
            await broker.RespondAsync(request, Answer(request));
        }

        var answers = await Task.WhenAll(sends);
        Assert.Equal(["t0", "t1", "t2", "t3", "t4"], answers.Select(a => a.ClusterId));
    }

    [Fact]
    public async Task SendAsync_BrokerDiesMidRequest_EveryPendingRequestFailsWithNetworkException()
    {
        await using var broker = new FakeBroker();
        await using var connection = await KafkaConnection.ConnectAsync(broker.Address);
        var sends = Enumerable.Range(0, 3).Select(i => connection.SendAsync<MetadataResponse>(Metadata($"t{i}"))).ToArray();
        for (var i = 0; i < sends.Length; i++)
        {
            await broker.NextRequestAsync();
        }

        broker.Kill();

        foreach (var send in sends)
        {
            var ex = await Assert.ThrowsAsync<KafkaException>(() => send);
            Assert.Equal(ErrorCode.NetworkException, ex.Error.Code);
            Assert.True(ex.Error.IsRetriable);
            Assert.Contains(broker.Address.ToString(), ex.Message);
            Assert.Contains("in flight", ex.Message);
        }

        Assert.True(connection.IsClosed);
        var after = await Assert.ThrowsAsync<KafkaException>(() => connection.SendAsync<MetadataResponse>(Metadata("late")));
        Assert.Equal(ErrorCode.NetworkException, after.Error.Code);
    }

    [Fact]
    public async Task SendAsync_NoAnswerWithinRequestTimeout_ThrowsRequestTimedOutAndClosesConnection()
    {
        await using var broker = new FakeBroker();
        await using var connection = await KafkaConnection.ConnectAsync(
            broker.Address, new KafkaConnectionOptions { RequestTimeout = TimeSpan.FromMilliseconds(300) });

        var ex = await Assert.ThrowsAsync<KafkaException>(() => connection.SendAsync<MetadataResponse>(Metadata("slow")));

        Assert.Equal(ErrorCode.RequestTimedOut, ex.Error.Code);
        Assert.Contains("Metadata", ex.Message);
        Assert.Contains("300 ms", ex.Message);
        Assert.True(connection.IsClosed);
    }

    [Fact]
    public async Task SendAsync_CallerCancels_OnlyThatRequestIsCancelledAndLateAnswerIsDropped()
    {
        await using var broker = new FakeBroker();
        await using var connection = await KafkaConnection.ConnectAsync(broker.Address);
        using var cancel = new CancellationTokenSource();

        var cancelled = connection.SendAsync<MetadataResponse>(Metadata("a"), cancel.Token);
        var first = await broker.NextRequestAsync();
        var kept = connection.SendAsync<MetadataResponse>(Metadata("b"));
        var second = await broker.NextRequestAsync();
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);

        await broker.RespondAsync(first, Answer(first));
        await broker.RespondAsync(second, Answer(second));

        Assert.Equal("b", (await kept).ClusterId);
        Assert.False(connection.IsClosed);
    }

    [Fact]
    public async Task SendOneWayAsync_SendsWithoutWaitingAndConnectionStaysUsable()
    {
        await using var broker = new FakeBroker();
        await using var connection = await KafkaConnection.ConnectAsync(broker.Address);

        await connection.SendOneWayAsync(Metadata("fire"), 12);
        var fired = await broker.NextRequestAsync();
        Assert.Equal("fire", ((MetadataRequest)fired.Body).Topics![0].Name);
        Assert.Equal(0, connection.InFlightCount);

        var send = connection.SendAsync<MetadataResponse>(Metadata("next"));
        var request = await broker.NextRequestAsync();
        await broker.RespondAsync(request, Answer(request));
        Assert.Equal("next", (await send).ClusterId);
    }

    [Fact]
    public async Task ReadLoop_OversizedFrame_FailsPendingWithCorruptMessage()
    {
        await using var broker = new FakeBroker();
        await using var connection = await KafkaConnection.ConnectAsync(broker.Address, new KafkaConnectionOptions { MaxResponseSize = 1024 });
        var send = connection.SendAsync<MetadataResponse>(Metadata("x"));
        await broker.NextRequestAsync();

        await broker.SendRawAsync(new byte[] { 0x7F, 0xFF, 0xFF, 0xFF });

        var ex = await Assert.ThrowsAsync<KafkaException>(() => send);
        Assert.Equal(ErrorCode.CorruptMessage, ex.Error.Code);
        Assert.True(connection.IsClosed);
    }

    [Fact]
    public async Task ConnectAsync_NothingListening_ThrowsNetworkExceptionNamingTheAddress()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var ex = await Assert.ThrowsAsync<KafkaException>(() => KafkaConnection.ConnectAsync(new BrokerAddress("127.0.0.1", port)));

        Assert.Equal(ErrorCode.NetworkException, ex.Error.Code);
        Assert.Contains($"127.0.0.1:{port}", ex.Message);
    }

    [Fact]
    public async Task DisposeAsync_WithRequestsInFlight_FailsThemAndLeavesNothingUnobserved()
    {
        await using var broker = new FakeBroker();
        var unobserved = 0;
        void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
        {
            // The event is process-wide and other test classes run beside this one: only failures naming this
            // connection's broker count (a failure set on a task, never thrown, has a message but no stack trace).
            if (e.Exception.ToString().Contains(broker.Address.ToString(), StringComparison.Ordinal))
            {
                Interlocked.Increment(ref unobserved);
            }
        }

        TaskScheduler.UnobservedTaskException += OnUnobserved;
        try
        {
            var connection = await KafkaConnection.ConnectAsync(broker.Address);
            using var cancel = new CancellationTokenSource();
            var abandoned = connection.SendAsync<MetadataResponse>(Metadata("a"), cancel.Token);
            var pending = connection.SendAsync<MetadataResponse>(Metadata("b"));
            await broker.NextRequestAsync();
            await broker.NextRequestAsync();
            cancel.Cancel();

            await connection.DisposeAsync();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
            var ex = await Assert.ThrowsAsync<KafkaException>(() => pending);
            Assert.Contains("closed by the client", ex.Message);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= OnUnobserved;
        }

        Assert.Equal(0, unobserved);
    }
}
