namespace Platform.Cluster;

/// <summary>The etcd members to talk to, parsed from <c>etcd.endpoints</c> / <c>--etcd</c> (<c>http://host:port[,...]</c>).</summary>
public static class EtcdEndpoints
{
    /// <exception cref="FormatException">An entry is not an absolute http(s) URL with a host and port; the message names <c>etcd.endpoints</c>.</exception>
    public static IReadOnlyList<Uri> Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var result = new List<Uri>();
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(part, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
                || string.IsNullOrEmpty(uri.Host) || !HasExplicitPort(part) || uri.AbsolutePath != "/")
            {
                throw new FormatException($"etcd.endpoints: '{part}' is not an etcd client URL like http://127.0.0.1:2379.");
            }

            result.Add(uri);
        }

        if (result.Count == 0)
        {
            throw new FormatException("etcd.endpoints: no endpoint given (expected http://host:port[,http://host:port...]).");
        }

        return result;
    }

    // etcd listens on 2379, not on the scheme's 80/443: a URL without a port is a mistake, not a default.
    private static bool HasExplicitPort(string url)
    {
        var authority = url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..].TrimEnd('/');
        return authority.StartsWith('[') ? authority.Contains("]:", StringComparison.Ordinal) : authority.Contains(':', StringComparison.Ordinal);
    }
}
