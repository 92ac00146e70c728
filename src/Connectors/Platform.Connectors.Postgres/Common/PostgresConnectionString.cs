using Npgsql;
using Platform.Connect.Config;

namespace Platform.Connectors.Postgres.Common;

/// <summary>
/// Turns the JDBC connector's <c>connection.url</c> (<c>jdbc:postgresql://host:port/db?user=..&amp;password=..</c>)
/// or an Npgsql connection string, plus <c>connection.user</c>/<c>connection.password</c>, into one Npgsql
/// connection string. Bad input is a <see cref="ConfigException"/> naming the URL key.
/// </summary>
internal static class PostgresConnectionString
{
    private const string JdbcPrefix = "jdbc:postgresql:";

    public static string Build(string url, string? user, string? password, string urlKey = "connection.url")
    {
        var builder = url.StartsWith(JdbcPrefix, StringComparison.OrdinalIgnoreCase) ? FromJdbc(url, urlKey) : FromNpgsql(url, urlKey);
        if (!string.IsNullOrEmpty(user))
        {
            builder.Username = user;
        }

        if (!string.IsNullOrEmpty(password))
        {
            builder.Password = password;
        }

        if (string.IsNullOrEmpty(builder.Host))
        {
            throw new ConfigException(urlKey, Redact(url), "names no host");
        }

        // Connectors open few, long-lived connections; fail fast when the database is down so the runtime's
        // retry policy (not a 15 s connect timeout per attempt) decides how long to wait.
        if (!url.Contains("Timeout", StringComparison.OrdinalIgnoreCase))
        {
            builder.Timeout = 5;
        }

        // Timestamps without time zone are read and compared as UTC, whatever the server's default zone.
        builder.Timezone ??= "UTC";
        return builder.ConnectionString;
    }

    private static NpgsqlConnectionStringBuilder FromNpgsql(string url, string urlKey)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(url);
        }
        catch (ArgumentException e)
        {
            throw new ConfigException(urlKey, Redact(url), $"neither a jdbc:postgresql:// URL nor an Npgsql connection string ({e.Message})");
        }
    }

    private static NpgsqlConnectionStringBuilder FromJdbc(string url, string urlKey)
    {
        var rest = url[JdbcPrefix.Length..];
        if (!rest.StartsWith("//", StringComparison.Ordinal))
        {
            throw new ConfigException(urlKey, Redact(url), "expected jdbc:postgresql://host[:port][/database][?key=value&...]");
        }

        rest = rest[2..];
        var query = "";
        var q = rest.IndexOf('?', StringComparison.Ordinal);
        if (q >= 0)
        {
            query = rest[(q + 1)..];
            rest = rest[..q];
        }

        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var hostPart = slash >= 0 ? rest[..slash] : rest;
        var database = slash >= 0 ? Uri.UnescapeDataString(rest[(slash + 1)..]) : "";
        var builder = new NpgsqlConnectionStringBuilder();
        var hosts = new List<string>();
        foreach (var hostPort in hostPart.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = hostPort.LastIndexOf(':');
            if (colon > 0 && !hostPort.EndsWith(']'))
            {
                if (!int.TryParse(hostPort[(colon + 1)..], out var port) || port is <= 0 or > 65535)
                {
                    throw new ConfigException(urlKey, Redact(url), $"'{hostPort[(colon + 1)..]}' is not a port");
                }

                hosts.Add($"{hostPort[..colon]}:{port}");
            }
            else
            {
                hosts.Add(hostPort);
            }
        }

        builder.Host = string.Join(',', hosts);
        if (database.Length > 0)
        {
            builder.Database = database;
        }

        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(eq >= 0 ? pair[..eq] : pair);
            var value = eq >= 0 ? Uri.UnescapeDataString(pair[(eq + 1)..]) : "";
            switch (key.ToLowerInvariant())
            {
                case "user": builder.Username = value; break;
                case "password": builder.Password = value; break;
                case "sslmode": builder.SslMode = Enum.TryParse<SslMode>(value.Replace("-", "", StringComparison.Ordinal), true, out var mode) ? mode : throw new ConfigException(urlKey, Redact(url), $"sslmode '{value}' is unknown"); break;
                case "ssl": if (bool.TryParse(value, out var ssl) && ssl) { builder.SslMode = SslMode.Require; } break;
                case "applicationname": builder.ApplicationName = value; break;
                case "connecttimeout": builder.Timeout = int.TryParse(value, out var t) ? t : builder.Timeout; break;
                case "sockettimeout": builder.CommandTimeout = int.TryParse(value, out var c) ? c : builder.CommandTimeout; break;
                case "currentschema": builder.SearchPath = value; break;
                default: break; // other pgJDBC options have no Npgsql meaning; ignoring them keeps existing URLs usable
            }
        }

        return builder;
    }

    /// <summary>The URL with its password hidden, for error messages.</summary>
    public static string Redact(string url)
    {
        var i = url.IndexOf("password=", StringComparison.OrdinalIgnoreCase);
        if (i < 0)
        {
            return url;
        }

        var end = url.IndexOfAny(['&', ';'], i);
        return url[..(i + 9)] + "****" + (end < 0 ? "" : url[end..]);
    }
}
