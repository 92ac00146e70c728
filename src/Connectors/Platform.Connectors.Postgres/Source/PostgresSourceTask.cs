using System.Text.Json;
using Npgsql;
using Platform.Connect;
using Platform.Connect.Connectors;
using Platform.Connectors.Postgres.Common;

namespace Platform.Connectors.Postgres.Source;

/// <summary>
/// Polls its tables in turn, each in one REPEATABLE READ transaction. Late-commit safety: the source offset of a
/// table holds, besides the incrementing value and/or timestamp, the text of the poll's snapshot
/// (<c>pg_current_snapshot()</c>); the next poll also reads rows at or before the position whose writing
/// transaction that snapshot did not see, i.e. that committed late. Database outages raise
/// <see cref="RetriableException"/> until <c>connection.attempts</c> consecutive failures, then the task fails
/// with the reason.
/// </summary>
public sealed class PostgresSourceTask : SourceTask
{
    private readonly List<TableQuerier> _queriers = [];
    private PostgresSourceConfig _config = null!;
    private NpgsqlDataSource? _db;
    private RetryBudget _retries = null!;
    private bool _initialized;
    private int _next;
    private bool _cycleDone;

    /// <inheritdoc/>
    public override Task StartAsync(IReadOnlyDictionary<string, string> config, CancellationToken cancellationToken = default)
    {
        _config = PostgresSourceConfig.Parse(config);
        _db = NpgsqlDataSource.Create(_config.ConnectionString);
        _retries = new RetryBudget(_config.Attempts, "Reading PostgreSQL");
        if (_config.QueryText.Length > 0)
        {
            _queriers.Add(new TableQuerier(_config));
        }
        else
        {
            var tables = config.TryGetValue(PostgresSourceConfig.TaskTables, out var json)
                ? JsonSerializer.Deserialize(json, PostgresJson.Default.ListString) ?? []
                : _config.Include.ToList();
            if (tables.Count == 0)
            {
                throw new ConnectException($"The task has no tables: set {PostgresSourceConfig.TableWhitelist} or run it through its connector.");
            }

            foreach (var table in tables)
            {
                var (schema, name) = PgIdentifier.Split(table);
                _queriers.Add(new TableQuerier(_config, schema, name));
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override async Task<IReadOnlyList<SourceRecord>> PollAsync(CancellationToken cancellationToken)
    {
        if (_cycleDone)
        {
            await Context.WaitForNextPollAsync(null, _config.Interval, cancellationToken).ConfigureAwait(false);
            _cycleDone = false;
        }

        try
        {
            if (!_initialized)
            {
                foreach (var querier in _queriers)
                {
                    await querier.InitializeAsync(_db!, Context.OffsetStorageReader.Offset(querier.Partition), cancellationToken).ConfigureAwait(false);
                }

                _initialized = true;
            }

            while (_next < _queriers.Count)
            {
                var records = await _queriers[_next].PollAsync(_db!, cancellationToken).ConfigureAwait(false);
                _retries.Succeeded();
                // A full batch means more rows may be waiting: stay on this table for the next poll.
                if (records.Count < _config.MaxRows || _config.ModeName == PostgresSourceConfig.ModeBulk)
                {
                    _next++;
                }

                if (records.Count > 0)
                {
                    return records;
                }
            }

            _next = 0;
            _cycleDone = true;
            return [];
        }
        catch (Exception e) when (PgErrors.IsTransient(e))
        {
            throw _retries.Failed(e);
        }
    }

    /// <inheritdoc/>
    public override async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_db is not null)
        {
            await _db.DisposeAsync().ConfigureAwait(false);
        }
    }
}
