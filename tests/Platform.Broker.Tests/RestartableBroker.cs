using Microsoft.Extensions.DependencyInjection;

namespace Platform.Broker.Tests;

/// <summary>
/// An embedded broker on a data directory of its own, with a raw wire connection to it, that a test
/// stops and starts again to see what survives a restart; disposing deletes the directory.
/// </summary>
internal sealed class RestartableBroker(string name) : IAsyncDisposable
{
    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), $"platform-{name}-{Guid.NewGuid():N}");

    public EmbeddedBroker Broker { get; private set; } = null!;

    public RawConnection Connection { get; private set; } = null!;

    /// <summary>Starts the broker on <see cref="DataDir"/> (after <paramref name="configure"/>) and connects.</summary>
    public async Task StartAsync(Action<BrokerOptions>? configure = null, Action<IServiceCollection>? configureServices = null)
    {
        Broker = await EmbeddedBroker.StartAsync(
            o =>
            {
                o.DataDir = DataDir;
                configure?.Invoke(o);
            },
            configureServices: configureServices);
        Connection = await RawConnection.ConnectAsync(Broker);
    }

    public async Task StopAsync()
    {
        await Connection.DisposeAsync();
        await Broker.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover in the temp directory must not fail the test.
        }
    }
}
