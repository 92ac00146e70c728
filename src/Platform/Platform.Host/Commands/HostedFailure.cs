using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Platform.Host.Commands;

/// <summary>
/// Why a host stopped by itself. A background service that fails (the Connect worker whose REST port is taken, say)
/// stops the host, which logs it; but <c>RunAsync</c> and <c>WaitForShutdownAsync</c> then return as after a clean
/// stop, so a command would exit 0. Made before the host runs (<c>RunAsync</c> disposes its services), asked after.
/// </summary>
internal sealed class HostedFailure(IHost host)
{
    private readonly BackgroundService[] _services = [.. host.Services.GetServices<IHostedService>().OfType<BackgroundService>()];

    /// <summary>The exception of the first background service that failed, or null.</summary>
    public Exception? Exception => _services.Select(s => s.ExecuteTask).FirstOrDefault(t => t is { IsFaulted: true })?.Exception?.InnerException;
}
