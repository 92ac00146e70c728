using Npgsql;

namespace Platform.Connectors.Postgres.Common;

/// <summary>
/// One connection pool per connection string for the tasks of this process, kept for a minute after the
/// last of them let go of it. A task started again (a connector restarted, a rebalance, a changed config, a connector
/// created again) takes a session the server already has: no new backend, authentication or Npgsql type loading, and the
/// backend's catalog caches are warm for its first batches. Npgsql resets a session it takes back (temporary tables and
/// prepared statements go), so a task still begins from a clean session; idle sessions close after Npgsql's idle lifetime.
/// </summary>
internal sealed class SharedDataSource : IAsyncDisposable
{
    private static readonly Dictionary<string, Entry> Entries = new(StringComparer.Ordinal);

    // How long a pool no task uses stays open (the sessions in it too).
    private static readonly TimeSpan KeepIdle = TimeSpan.FromSeconds(60);
    private readonly Entry _entry;
    private int _released;

    private SharedDataSource(Entry entry) => _entry = entry;

    /// <summary>The pool.</summary>
    public NpgsqlDataSource DataSource => _entry.Source;

    /// <summary>A lease on the pool of <paramref name="connectionString"/>, made when no task has one.</summary>
    public static SharedDataSource Rent(string connectionString)
    {
        lock (Entries)
        {
            if (!Entries.TryGetValue(connectionString, out var entry))
            {
                Entries[connectionString] = entry = new Entry(connectionString, NpgsqlDataSource.Create(connectionString));
            }

            entry.Leases++;

            // A closing scheduled when the last lease ended no longer holds.
            entry.Generation++;
            entry.Expiry?.Dispose();
            entry.Expiry = null;
            return new SharedDataSource(entry);
        }
    }

    /// <summary>Ends the lease; the pool closes a minute after its last lease ended unless another begins.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return ValueTask.CompletedTask;
        }

        lock (Entries)
        {
            if (--_entry.Leases == 0)
            {
                var generation = ++_entry.Generation;
                _entry.Expiry = new Timer(_ => Expire(_entry, generation), null, KeepIdle, Timeout.InfiniteTimeSpan);
            }
        }

        return ValueTask.CompletedTask;
    }

    private static void Expire(Entry entry, long generation)
    {
        lock (Entries)
        {
            if (entry.Leases > 0 || entry.Generation != generation)
            {
                return;
            }

            Entries.Remove(entry.ConnectionString);
            entry.Expiry?.Dispose();
            entry.Expiry = null;
        }

        entry.Source.Dispose();
    }

    private sealed class Entry(string connectionString, NpgsqlDataSource source)
    {
        public string ConnectionString { get; } = connectionString;

        public NpgsqlDataSource Source { get; } = source;

        public int Leases { get; set; }

        public long Generation { get; set; }

        public Timer? Expiry { get; set; }
    }
}
