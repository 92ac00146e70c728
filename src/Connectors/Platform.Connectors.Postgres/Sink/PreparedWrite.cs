using Npgsql;
using Platform.Connect;

namespace Platform.Connectors.Postgres.Sink;

/// <summary>
/// A put's write worked out before the put (<see cref="TableWriter.Prepare"/>) for <see cref="Records"/> into
/// <see cref="Table"/>: rows encoded for <see cref="CopySql"/> in <see cref="Copy"/> (an insert's COPY into the table, an
/// upsert's into the table's stage when <see cref="IsStaged"/>, made first unless the session has it), then <see cref="Sql"/> with its
/// <see cref="Parameters"/> (an upsert from the stage, an update of arrays), sent with the offsets and the COMMIT.
/// Each is null when not needed; all are for an update with nothing to change.
/// </summary>
internal sealed record PreparedWrite(SinkTable Table, IReadOnlyList<SinkRecord> Records, bool IsStaged, string? CopySql, BinaryCopyWriter? Copy,
    string? Sql, NpgsqlParameter[] Parameters);
