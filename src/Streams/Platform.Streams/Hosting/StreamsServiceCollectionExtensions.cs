using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Platform.Streams.Hosting;

/// <summary>Runs a Streams application as a hosted service of the generic host.</summary>
public static class StreamsServiceCollectionExtensions
{
    /// <summary>The configuration section read for settings, with Kafka's key names (<c>"Streams": { "application.id": "wordcount" }</c>).</summary>
    public const string SectionName = "Streams";

    /// <summary>
    /// Registers a <see cref="KafkaStreams"/> running <paramref name="topology"/> as a singleton and a background
    /// service that starts it with the host and closes it (committing) when the host stops, e.g. on SIGTERM.
    /// Settings come from the configuration section <c>Streams</c>, then <paramref name="configure"/>.
    /// </summary>
    public static IServiceCollection AddStreams(this IServiceCollection services, Topology topology, Action<StreamsConfig>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(topology);
        return services.AddStreams((_, _) => topology, configure);
    }

    /// <summary>
    /// Like <see cref="AddStreams(IServiceCollection, Topology, Action{StreamsConfig}?)"/>, building the topology from the
    /// services and the configuration as bound and configured, so that what decides the topology's shape
    /// (<c>topology.optimization</c>) is read from <c>appsettings.json</c>, the environment or the command line, as
    /// Kafka's <c>StreamsBuilder.build(props)</c> reads it: pass it on to <see cref="StreamsBuilder.Build(StreamsConfig?)"/>.
    /// </summary>
    public static IServiceCollection AddStreams(this IServiceCollection services, Func<IServiceProvider, StreamsConfig, Topology> topology, Action<StreamsConfig>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(topology);
        services.AddSingleton(provider =>
        {
            var config = new StreamsConfig();
            if (provider.GetService<IConfiguration>()?.GetSection(SectionName) is { } section)
            {
                foreach (var (key, value) in section.AsEnumerable(makePathsRelative: true))
                {
                    if (value is not null)
                    {
                        config[key] = value;
                    }
                }
            }

            configure?.Invoke(config);
            return new KafkaStreams(topology(provider, config), config, provider.GetService<ILoggerFactory>());
        });
        services.AddHostedService<StreamsHostedService>();
        return services;
    }

    /// <summary>
    /// Serves the registered <see cref="KafkaStreams"/>'s interactive queries as JSON over HTTP on <paramref name="urls"/>
    /// (see <see cref="StreamsQueryEndpoints"/>); call after <c>AddStreams</c>. Set <c>application.server</c> to the
    /// address other instances reach this one on, so <c>/metadata</c> answers name it.
    /// </summary>
    public static IServiceCollection AddStreamsQueryServer(this IServiceCollection services, string urls, string prefix = "/streams")
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(urls);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        services.AddSingleton(new StreamsQueryServerOptions { Urls = urls, Prefix = prefix });
        services.AddHostedService<StreamsQueryServer>();
        return services;
    }
}
