using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Platform.Streams.Hosting;

/// <summary>
/// Serves <see cref="StreamsQueryEndpoints"/> of the registered <see cref="KafkaStreams"/> on its own Kestrel
/// listener (so a worker without a web stack gets one only when it asks), started and stopped with the host.
/// </summary>
internal sealed partial class StreamsQueryServer(KafkaStreams streams, StreamsQueryServerOptions options, ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<StreamsQueryServer>();
    private WebApplication? _app;

    /// <summary>The addresses Kestrel listens on, once started (port 0 resolved).</summary>
    public IReadOnlyCollection<string> Addresses => _app?.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Its settings are read once: a reloading appsettings.json would watch the working directory recursively
        // (a broker's ./data included) and take an inotify event per append.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.WebHost.UseUrls(options.Urls);
        builder.Services.AddSingleton(loggerFactory);
        _app = builder.Build();
        _app.MapStreamsQueries(streams, options.Prefix);
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        var addresses = string.Join(", ", Addresses);
        LogListening(addresses, options.Prefix);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            _app = null;
        }
    }

    [LoggerMessage(EventId = 9170, Level = LogLevel.Information, Message = "Interactive queries served on {Addresses} under {Prefix}")]
    private partial void LogListening(string addresses, string prefix);
}
