using System.Net.Sockets;
using Npgsql;

namespace Platform.Connectors.Postgres.Common;

/// <summary>Which database failures are outages worth retrying (server down, connection lost) rather than bugs or bad data.</summary>
internal static class PgErrors
{
    public static bool IsTransient(Exception e) => e switch
    {
        PostgresException pg => pg.IsTransient || pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState.StartsWith("57P", StringComparison.Ordinal),
        NpgsqlException npg => npg.IsTransient || npg.InnerException is SocketException or IOException or TimeoutException,
        SocketException or TimeoutException or IOException => true,
        _ => false,
    };
}
