using System.Data;
using Npgsql;

namespace Platform.Connectors.Postgres.Sink;

/// <summary>
/// The task's own database session, kept open from put to put, and the upsert stages (temporary tables,
/// <see cref="SinkTable.Stage"/>) it is known to have: a prepared upsert makes its stage only when the session lacks
/// it, not with a <c>CREATE ... IF NOT EXISTS</c> round trip per batch. A stage counts once the transaction that made it
/// committed (a rollback drops it again); a new connection (the first, or one after a failure) has none.
/// </summary>
internal sealed class SinkSession(NpgsqlDataSource db) : IAsyncDisposable
{
    private readonly HashSet<string> _stages = new(StringComparer.Ordinal);
    private readonly List<string> _made = [];

    // The stages the open transaction wrote rows into (its commit or rollback empties them again).
    private readonly HashSet<string> _filled = new(StringComparer.Ordinal);
    private NpgsqlConnection? _conn;

    /// <summary>The session's connection, opened again (with no stages) when there is none or it broke.</summary>
    public async ValueTask<NpgsqlConnection> ConnectionAsync(CancellationToken cancellationToken)
    {
        if (_conn is { State: ConnectionState.Open })
        {
            return _conn;
        }

        await ResetAsync().ConfigureAwait(false);
        _conn = await db.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return _conn;
    }

    /// <summary>Whether the session has <paramref name="stage"/>, made in an earlier transaction or in the open one.</summary>
    public bool HasStage(string stage) => _stages.Contains(stage) || _made.Contains(stage);

    /// <summary>Notes that the open transaction made <paramref name="stage"/>.</summary>
    public void Made(string stage) => _made.Add(stage);

    /// <summary>
    /// Notes that the open transaction writes rows into <paramref name="stage"/>; true when an earlier write of the same
    /// transaction may have left rows in it (to be emptied first). A transaction begins with its stages empty (each commit
    /// empties them, a rollback undoes what was written), so the usual transaction, one write, needs no TRUNCATE of
    /// its own. Once written a stage counts as filled until the transaction ends, even after a rollback to a savepoint
    /// that undid the write: at worst one TRUNCATE too many, never rows of another write upserted again.
    /// </summary>
    public bool Fills(string stage) => !_filled.Add(stage);

    /// <summary>The open transaction committed: its stages stay (emptied).</summary>
    public void Committed()
    {
        _stages.UnionWith(_made);
        _made.Clear();
        _filled.Clear();
    }

    /// <summary>The open transaction was rolled back: the stages it made are gone, the others empty.</summary>
    public void RolledBack()
    {
        _made.Clear();
        _filled.Clear();
    }

    /// <summary>A mark for <see cref="RolledBackTo"/>, taken with a savepoint.</summary>
    public int Savepoint() => _made.Count;

    /// <summary>The open transaction was rolled back to the savepoint of <paramref name="mark"/>: the stages made since are gone.</summary>
    public void RolledBackTo(int mark) => _made.RemoveRange(mark, _made.Count - mark);

    /// <summary>Closes the connection after a failure that may have broken it or left its state unknown; the next put opens a new one.</summary>
    public async ValueTask ResetAsync()
    {
        _stages.Clear();
        _made.Clear();
        _filled.Clear();
        if (_conn is not null)
        {
            var conn = _conn;
            _conn = null;
            try
            {
                await conn.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is NpgsqlException or IOException or ObjectDisposedException)
            {
                // Already broken: nothing to close.
            }
        }
    }

    public ValueTask DisposeAsync() => ResetAsync();
}
