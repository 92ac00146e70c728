using System.Text.Json;

namespace Platform.Broker.Tests.Interop;

/// <summary>kafkajs's transactional producer with sendOffsets against a real broker.</summary>
public sealed class KafkaJsTransactionTests : IAsyncLifetime
{
    private EmbeddedBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await EmbeddedBroker.StartAsync();

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    [Fact]
    public async Task CopyAToB_WithSendOffsets_ReadCommittedHoldsEachInputOnce_OffsetsMoveOnlyOnCommit()
    {
        var interop = Path.Combine(ExternalProcess.RepositoryRoot, "tests", "interop");
        Assert.True(Directory.Exists(Path.Combine(interop, "node_modules", "kafkajs")), "kafkajs is not installed: run tests/run-all.sh, which runs npm ci in tests/interop.");

        var result = await ExternalProcess.RunAsync("node", ["kafkajs-transactions.js", _broker.BootstrapServers, "txn-a", "txn-b", "300", "50"], workingDirectory: interop);

        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(result.StdOut);
        var received = json.RootElement.GetProperty("received").EnumerateArray().ToList();
        var keys = received.Select(m => m.GetProperty("key").GetString()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Enumerable.Range(0, 300).Select(i => $"k-{i}").Order(StringComparer.Ordinal), keys);
        Assert.All(received, m => Assert.StartsWith("V-", m.GetProperty("value").GetString(), StringComparison.Ordinal));

        long last = 0;
        foreach (var step in json.RootElement.GetProperty("committed").EnumerateArray())
        {
            var offset = long.Parse(step.GetProperty("offsets")[0].GetProperty("partitions")[0].GetProperty("offset").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            if (step.GetProperty("after").GetString() == "commit")
            {
                Assert.Equal(step.GetProperty("end").GetInt64(), offset);
                last = offset;
            }
            else
            {
                Assert.Equal(last, offset == -1 ? 0 : offset);
            }
        }
    }
}
