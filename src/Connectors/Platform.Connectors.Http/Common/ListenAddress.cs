using System.Globalization;
using System.Net;

namespace Platform.Connectors.Http.Common;

/// <summary>A <c>host:port</c> to listen on; the host may be an IP address, <c>localhost</c>, <c>0.0.0.0</c> or <c>*</c>.</summary>
internal static class ListenAddress
{
    /// <summary>The endpoint, or null with <paramref name="problem"/> saying why.</summary>
    public static IPEndPoint? TryParse(string? text, out string? problem)
    {
        problem = null;
        var colon = text?.LastIndexOf(':') ?? -1;
        if (text is null || colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            problem = "expected host:port, e.g. 127.0.0.1:8080";
            return null;
        }

        var host = text[..colon].Trim('[', ']');
        if (host is "*" or "0.0.0.0")
        {
            return new IPEndPoint(IPAddress.Any, port);
        }

        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new IPEndPoint(IPAddress.Loopback, port);
        }

        if (IPAddress.TryParse(host, out var address))
        {
            return new IPEndPoint(address, port);
        }

        problem = $"'{host}' is not an IP address, localhost or *";
        return null;
    }

    /// <summary>A config validator for listen addresses.</summary>
    public static string? Validate(string key, object? value)
    {
        TryParse(value as string, out var problem);
        return problem;
    }
}
