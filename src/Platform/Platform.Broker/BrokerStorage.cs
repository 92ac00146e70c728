using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Storage;

namespace Platform.Broker;

/// <summary>Builds the storage layer from broker options.</summary>
internal static class BrokerStorage
{
    public static LogManager CreateLogManager(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<BrokerOptions>>().Value;
        return new LogManager(
            options.DataDir,
            PhysicalFileSystem.Instance,
            services.GetRequiredService<ILoggerFactory>(),
            services.GetRequiredService<TimeProvider>(),
            TimeSpan.FromMilliseconds(options.LogRetentionCheckIntervalMs));
    }
}
