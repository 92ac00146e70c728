using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Platform.Connect.Metrics;
using Platform.Connect.Plugins;
using Platform.Connect.Runtime;

namespace Platform.Connect.Hosting;

/// <summary>Registers a Connect worker on the generic host.</summary>
public static class ConnectServiceCollectionExtensions
{
    /// <summary>Adds a <see cref="ConnectWorker"/> (hosted service) configured by <paramref name="configure"/>, with the plugins of the loaded assemblies.</summary>
    [RequiresUnreferencedCode(PluginRegistry.ScanRequirement)]
    public static IServiceCollection AddPlatformConnect(this IServiceCollection services, Action<WorkerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var options = new WorkerOptions();
        configure(options);
        options.Validate();
        services.AddSingleton(options);
        services.TryAddSingleton(_ => PluginRegistry.Scan());
        services.TryAddSingleton(sp => new ConnectMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddSingleton(sp => new ConnectWorker(sp.GetRequiredService<WorkerOptions>(), sp.GetRequiredService<PluginRegistry>(),
            sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<ConnectMetrics>()));
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<ConnectWorker>());
        return services;
    }
}
