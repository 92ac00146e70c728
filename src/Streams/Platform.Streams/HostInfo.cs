using System.Globalization;

namespace Platform.Streams;

/// <summary>An instance's <c>application.server</c> endpoint, where its interactive queries are served.</summary>
/// <param name="Host">Host name or address.</param>
/// <param name="Port">Port.</param>
public sealed record HostInfo(string Host, int Port)
{
    /// <summary>No endpoint: the key's partition is not hosted by any running instance (yet).</summary>
    public static HostInfo Unavailable { get; } = new("unavailable", -1);

    /// <summary>Parses <c>host:port</c>.</summary>
    /// <exception cref="FormatException">Not <c>host:port</c>; the message names <c>application.server</c>.</exception>
    public static HostInfo Parse(string endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var colon = endpoint.LastIndexOf(':');
        return colon > 0 && int.TryParse(endpoint.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
            ? new HostInfo(endpoint[..colon], port)
            : throw new FormatException($"application.server '{endpoint}' is not host:port.");
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Host}:{Port}";
}
