using Npgsql;
using Platform.Connect;

namespace Platform.Connectors.Postgres.Sink;

/// <summary>
/// A put's write worked out before the put (<see cref="TableWriter.Prepare"/>): for <see cref="Records"/> into
/// <see cref="Table"/>, the COPY statement with its encoded rows (<see cref="Copy"/>), or the upsert statement with its
/// array parameters; <see cref="Sql"/> null when there is nothing to change.
/// </summary>
internal sealed record PreparedWrite(SinkTable Table, IReadOnlyList<SinkRecord> Records, string? Sql, BinaryCopyWriter? Copy, NpgsqlParameter[] Parameters);
