using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.Storage;

namespace Platform.Broker;

/// <summary>
/// A real broker in-process on a free loopback port and a temporary data directory, for tests:
/// <c>await using var broker = await EmbeddedBroker.StartAsync();</c> then connect any Kafka
/// client to <see cref="BootstrapServers"/>.
/// </summary>
public sealed class EmbeddedBroker : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly BrokerService _broker;
    private readonly bool _ownsDataDir;
    private bool _stopped;

    private EmbeddedBroker(ServiceProvider services, BrokerService broker, BrokerOptions options, bool ownsDataDir)
    {
        _services = services;
        _broker = broker;
        Options = options;
        _ownsDataDir = ownsDataDir;
    }

    public BrokerOptions Options { get; }

    public int Port => _broker.EndPoint!.Port;

    public string BootstrapServers => $"127.0.0.1:{Port}";

    public string DataDir => Options.DataDir;

    public IServiceProvider Services => _services;

    /// <summary>Starts a broker. Unless <paramref name="configure"/> sets them, it listens on 127.0.0.1 port 0 and stores data in a new temp directory deleted on dispose.</summary>
    /// <param name="configure">Broker settings.</param>
    /// <param name="logging">Where the broker's logs go, besides nowhere.</param>
    /// <param name="configureServices">Replaces services after the broker's are registered, e.g. an <c>IStorageFileSystem</c> that injects faults.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<EmbeddedBroker> StartAsync(Action<BrokerOptions>? configure = null, ILoggerProvider? logging = null, Action<IServiceCollection>? configureServices = null, CancellationToken cancellationToken = default)
    {
        var options = new BrokerOptions { Listen = "127.0.0.1:0", DataDir = "" };
        configure?.Invoke(options);
        var ownsDataDir = string.IsNullOrEmpty(options.DataDir);
        if (ownsDataDir)
        {
            options.DataDir = Path.Combine(Path.GetTempPath(), "platform-broker-" + Guid.NewGuid().ToString("N"));
        }

        var services = new ServiceCollection();
        services.AddLogging(builder =>
        {
            builder.SetMinimumLevel(LogLevel.Information);
            if (logging is not null)
            {
                builder.AddProvider(logging);
            }
        });
        services.AddPlatformBroker(o => BrokerOptions.CopyTo(options, o));
        configureServices?.Invoke(services);
        var provider = services.BuildServiceProvider();
        var broker = provider.GetRequiredService<BrokerService>();
        try
        {
            await broker.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await provider.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new EmbeddedBroker(provider, broker, options, ownsDataDir);
    }

    /// <summary>Stops the broker cleanly (listener closed, logs flushed), keeping the data directory.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        await _broker.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops the broker and releases it. Unlike <see cref="StopAsync"/>, a shutdown that was not clean (a log
    /// offline after an I/O error, a failed final flush) does not throw here: the broker has already logged
    /// it, and the data recovers at the next start, which is what a test disposing it goes on to check.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        catch (StorageException)
        {
            // Logged by the log manager; see above.
        }

        await _services.DisposeAsync().ConfigureAwait(false);
        if (_ownsDataDir)
        {
            try
            {
                Directory.Delete(Options.DataDir, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open by a straggling reader; the temp directory is left behind.
            }
        }
    }
}
