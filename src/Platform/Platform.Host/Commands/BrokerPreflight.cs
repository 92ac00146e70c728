using System.Net.Sockets;
using Platform.Broker;

namespace Platform.Host.Commands;

/// <summary>
/// Checks what most often stops a broker from starting (its data directory, its port) before the host starts,
/// so the user reads one line naming the problem instead of the host's start-up failure with a stack trace.
/// </summary>
internal static class BrokerPreflight
{
    /// <summary>The problem, or null when the broker can start.</summary>
    public static string? Check(BrokerOptions options)
    {
        var dataDir = Path.GetFullPath(options.DataDir);
        try
        {
            Directory.CreateDirectory(dataDir);
            var probe = Path.Combine(dataDir, $".write-check-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var reason = e is UnauthorizedAccessException ? "permission denied" : e.Message.TrimEnd('.');
            return $"data directory '{dataDir}' (log.dirs) cannot be created or written: {reason}.";
        }

        try
        {
            var endPoint = options.ListenEndPoint();
            using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(endPoint);
        }
        catch (SocketException e)
        {
            return $"cannot listen on {options.Listen} (listeners): {e.Message.TrimEnd('.').ToLowerInvariant()}.";
        }

        return null;
    }
}
