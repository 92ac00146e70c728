using System.Globalization;

namespace Platform.Client.Network;

/// <summary>A broker's <c>host:port</c>.</summary>
/// <remarks>
/// A class: dictionaries and lists of it then share the runtime's precompiled code for reference types, where a struct
/// had every process compile them in the JIT before its first connection.
/// </remarks>
/// <param name="Host">Host name or IP address.</param>
/// <param name="Port">TCP port.</param>
public sealed record BrokerAddress(string Host, int Port)
{
    /// <summary>Parses <c>host:port</c> (IPv6 as <c>[::1]:9092</c>).</summary>
    /// <exception cref="FormatException">The text is not <c>host:port</c> with a port in 1..65535.</exception>
    public static BrokerAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        var colon = trimmed.LastIndexOf(':');
        if (colon <= 0 || colon == trimmed.Length - 1
            || !int.TryParse(trimmed.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port is < 1 or > 65535)
        {
            throw new FormatException($"'{text}' is not a broker address of the form host:port.");
        }

        var host = trimmed[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }

        return new BrokerAddress(host, port);
    }

    /// <summary>Parses a comma-separated list such as <c>bootstrap.servers</c>.</summary>
    /// <exception cref="FormatException">The list is empty or an entry is not <c>host:port</c>.</exception>
    public static IReadOnlyList<BrokerAddress> ParseList(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            throw new FormatException("No broker address given (expected host:port[,host:port...]).");
        }

        return Array.ConvertAll(parts, Parse);
    }

    /// <inheritdoc />
    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
