using Npgsql;
using Platform.Connect;
using Platform.Connect.Connectors;
using Platform.Connectors.Postgres.Common;

namespace Platform.Connectors.Postgres.Sink;

/// <summary>
/// Writes each batch and the batch's consumed offsets in one database transaction. On <see cref="OpenAsync"/> the
/// task reads the stored offsets and seeks there; records below them (already in the database) are skipped, so
/// a crash anywhere yields each record's row exactly once. <see cref="PreCommitAsync"/> returns the stored offsets,
/// so the consumer group's offsets follow and lag tools see the truth. Records that cannot be mapped onto the
/// table go to <see cref="ISinkTaskContext.ReportErrantRecordAsync"/>; database outages raise
/// <see cref="RetriableException"/> up to <c>max.retries</c> times, then the task fails with the reason.
/// <see cref="Prepare"/> maps the next batch and encodes its rows while the previous batch is written, so a put that
/// finds its batch prepared only sends it, writes the offsets and commits.
/// </summary>
public sealed class PostgresSinkTask : SinkTask
{
    private readonly Dictionary<TopicPartitionRef, long> _stored = [];
    private PostgresSinkConfig _config = null!;
    private SharedDataSource? _pool;
    private SinkSession? _session;
    private SinkRowMapper _mapper = null!;
    private SinkRowMapper _prepareMapper = null!;
    private TableWriter _writer = null!;
    private SinkOffsetStore _offsets = null!;
    private RetryBudget _retries = null!;

    // Batches prepared and not yet put (at most the one being put and the next), under their own lock: Prepare runs on another thread.
    private readonly List<PreparedWrite> _prepared = [];

    /// <inheritdoc/>
    public override Task StartAsync(IReadOnlyDictionary<string, string> config, CancellationToken cancellationToken = default)
    {
        _config = PostgresSinkConfig.Parse(config);
        _pool = SharedDataSource.Rent(_config.ConnectionString);
        _session = new SinkSession(_pool.DataSource);
        _mapper = new SinkRowMapper(_config);
        _prepareMapper = new SinkRowMapper(_config);
        _writer = new TableWriter(_config);
        _offsets = new SinkOffsetStore(_config.OffsetsTableName, _config.ConnectorName);
        _retries = new RetryBudget(_config.Retries + 1, "Writing to PostgreSQL");
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override async Task OpenAsync(IReadOnlyCollection<TopicPartitionRef> partitions, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var conn = await _session!.ConnectionAsync(cancellationToken).ConfigureAwait(false);
                await _offsets.EnsureCreatedAsync(conn, cancellationToken).ConfigureAwait(false);
                foreach (var (partition, next) in await _offsets.ReadAsync(conn, partitions, cancellationToken).ConfigureAwait(false))
                {
                    _stored[partition] = next;
                    Context.Offset(partition, next);
                }

                // The tables' shapes now, not in the first put: the first batches are prepared too (Prepare needs the shape).
                await _writer.LearnAsync(conn, partitions.Select(p => p.Topic).Distinct().Select(_config.TableFor), cancellationToken).ConfigureAwait(false);
                _retries.Succeeded();
                return;
            }
            catch (Exception e) when (PgErrors.IsTransient(e))
            {
                await _session!.ResetAsync().ConfigureAwait(false);

                // The pool's session may be one the server ended while it sat idle (a restart): Npgsql hands it out and
                // notices only when it fails, then opens new ones. One more try at once, before the runtime's backoff.
                if (attempt == 1)
                {
                    continue;
                }

                throw _retries.Failed(e);
            }
        }
    }

    /// <inheritdoc/>
    public override Task CloseAsync(IReadOnlyCollection<TopicPartitionRef> partitions, CancellationToken cancellationToken = default)
    {
        foreach (var partition in partitions)
        {
            _stored.Remove(partition);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    /// <remarks>True: rows are read straight from the documents (<see cref="TableBatch.TryAddJson"/>).</remarks>
    public override bool ReadsJsonDocuments => true;

    /// <inheritdoc/>
    /// <remarks>
    /// True: nothing read from a record outlives its put (rows are encoded into the task's own buffers; a preparation is
    /// matched to its put by the batch's list, never by its records).
    /// </remarks>
    public override bool RecordsMayBeReused => true;

    /// <inheritdoc/>
    public override void Prepare(IReadOnlyList<SinkRecord> records)
    {
        // One table's batch (the usual one); several tables are mapped by the put.
        var topic = records[0].Topic;
        for (var i = 1; i < records.Count; i++)
        {
            if (!string.Equals(records[i].Topic, topic, StringComparison.Ordinal))
            {
                return;
            }
        }

        var (schema, table) = _config.TableFor(topic);
        PreparedWrite? prepared;
        try
        {
            prepared = _writer.Prepare(schema, table, records, _prepareMapper);
        }
        catch (DataException)
        {
            return; // the put maps the batch again and reports the record
        }

        if (prepared is not null)
        {
            lock (_prepared)
            {
                _prepared.Add(prepared);
                if (_prepared.Count > 2)
                {
                    // One whose put never came (the batch was read again after a failed put): its buffers are reused.
                    _prepared.RemoveAt(0);
                }
            }
        }
    }

    /// <summary>The preparation of <paramref name="records"/>, taken (null: none).</summary>
    private PreparedWrite? TakePrepared(IReadOnlyList<SinkRecord> records)
    {
        lock (_prepared)
        {
            var index = _prepared.FindIndex(p => ReferenceEquals(p.Records, records));
            if (index < 0)
            {
                return null;
            }

            var prepared = _prepared[index];
            _prepared.RemoveRange(0, index + 1);
            return prepared;
        }
    }

    /// <inheritdoc/>
    public override async Task PutAsync(IReadOnlyList<SinkRecord> records, CancellationToken cancellationToken)
    {
        // The records not yet in the database; the batch itself (no copy) when that is all of them, as it nearly always is.
        List<SinkRecord>? some = null;
        var (topic, partition, stored) = ((string?)null, -1, 0L);
        for (var i = 0; i < records.Count; i++)
        {
            var r = records[i];

            // Records come in runs of one partition: its stored offset is looked up once per run.
            if (!ReferenceEquals(r.OriginalTopic, topic) || r.OriginalKafkaPartition != partition)
            {
                (topic, partition) = (r.OriginalTopic, r.OriginalKafkaPartition);
                stored = _stored.GetValueOrDefault(Partition(r), long.MinValue);
            }

            if (r.OriginalKafkaOffset >= stored)
            {
                some?.Add(r);
            }
            else if (some is null)
            {
                some = new List<SinkRecord>(records.Count);
                for (var j = 0; j < i; j++)
                {
                    some.Add(records[j]);
                }
            }
        }

        var fresh = some ?? records;

        // A preparation holds for the whole batch as the table is now: not after a seek back, a rollback or an evolution.
        var prepared = TakePrepared(records);
        if (prepared is not null && (fresh.Count != records.Count || !_writer.IsCurrent(prepared)))
        {
            prepared = null;
        }

        if (fresh.Count == 0)
        {
            return;
        }

        try
        {
            try
            {
                await WriteAsync(fresh, individually: false, prepared, cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException e) when (fresh.Count > 1 && IsRowError(e))
            {
                // Some row the database refuses (constraint, out of range): write them one by one to find it.
                _writer.Invalidate();
                await WriteAsync(fresh, individually: true, null, cancellationToken).ConfigureAwait(false);
            }

            _retries.Succeeded();
        }
        catch (Exception e) when (PgErrors.IsTransient(e))
        {
            _writer.Invalidate();
            await _session!.ResetAsync().ConfigureAwait(false);
            Context.Timeout(_config.Backoff);
            throw _retries.Failed(e);
        }
    }

    private static bool IsRowError(PostgresException e) => e.SqlState.StartsWith("22", StringComparison.Ordinal) || e.SqlState.StartsWith("23", StringComparison.Ordinal);

    private static TopicPartitionRef Partition(SinkRecord r) => new(r.OriginalTopic, r.OriginalKafkaPartition);

    private async Task WriteAsync(IReadOnlyList<SinkRecord> records, bool individually, PreparedWrite? prepared, CancellationToken cancellationToken)
    {
        var session = _session!;
        var conn = await session.ConnectionAsync(cancellationToken).ConfigureAwait(false);
        await _offsets.EnsureCreatedAsync(conn, cancellationToken).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await WriteAsync(conn, tx, session, records, individually, prepared, cancellationToken).ConfigureAwait(false);
            session.Committed();
        }
        catch
        {
            // Disposing the transaction rolls it back, and with it any stage it made.
            session.RolledBack();
            throw;
        }
    }

    private async Task WriteAsync(NpgsqlConnection conn, NpgsqlTransaction tx, SinkSession session, IReadOnlyList<SinkRecord> records, bool individually,
        PreparedWrite? prepared, CancellationToken cancellationToken)
    {
        var errant = new List<(SinkRecord Record, Exception Error)>();
        // A prepared upsert's statement from its stage (or an update) goes with the offsets and the commit (one round trip); COPYs (and making a stage the session lacks) have their own.
        var last = prepared is null ? null : await TableWriter.WriteAsync(conn, tx, session, prepared, cancellationToken).ConfigureAwait(false);

        foreach (var (target, group) in prepared is null ? ByTable(records) : [])
        {
            var batch = await _writer.PrepareAsync(conn, tx, target.Schema, target.Table, group, _mapper, errant, cancellationToken).ConfigureAwait(false);
            if (individually)
            {
                for (var row = 0; row < batch.Count; row++)
                {
                    await tx.SaveAsync("row", cancellationToken).ConfigureAwait(false);
                    var mark = session.Savepoint();
                    try
                    {
                        await _writer.WriteAsync(conn, tx, session, batch, [row], cancellationToken).ConfigureAwait(false);
                        await tx.ReleaseAsync("row", cancellationToken).ConfigureAwait(false);
                    }
                    catch (PostgresException e) when (IsRowError(e))
                    {
                        await tx.RollbackAsync("row", cancellationToken).ConfigureAwait(false);
                        session.RolledBackTo(mark);
                        errant.Add((batch.Record(row), new DataException($"PostgreSQL refused the row for {batch.Table.Schema}.{batch.Table.Name}: {e.MessageText}", e)));
                    }
                }

                continue;
            }

            // Runs of writes and of deletes, in record order, so a delete between two upserts of a key stays between them.
            var run = new List<int>(batch.Count);
            for (var row = 0; row <= batch.Count; row++)
            {
                if (row == batch.Count || (run.Count > 0 && batch.IsDelete(row) != batch.IsDelete(run[0])))
                {
                    if (run.Count > 0)
                    {
                        await _writer.WriteAsync(conn, tx, session, batch, run, cancellationToken).ConfigureAwait(false);
                    }

                    run = new List<int>(batch.Count - row);
                }

                if (row < batch.Count)
                {
                    run.Add(row);
                }
            }
        }

        // Errant records are reported before the commit: if reporting fails (errors.tolerance=none), nothing is committed.
        foreach (var (record, error) in errant.OrderBy(e => e.Record.OriginalKafkaOffset))
        {
            await Context.ReportErrantRecordAsync(record, error, cancellationToken).ConfigureAwait(false);
        }

        var next = new Dictionary<TopicPartitionRef, long>();
        for (var i = 0; i < records.Count; i++)
        {
            // The last record of a run of one partition has the run's highest offset: one dictionary write per run.
            var record = records[i];
            if (i + 1 < records.Count && ReferenceEquals(records[i + 1].OriginalTopic, record.OriginalTopic)
                && records[i + 1].OriginalKafkaPartition == record.OriginalKafkaPartition && records[i + 1].OriginalKafkaOffset > record.OriginalKafkaOffset)
            {
                continue;
            }

            var partition = Partition(record);
            if (record.OriginalKafkaOffset + 1 > next.GetValueOrDefault(partition, long.MinValue))
            {
                next[partition] = record.OriginalKafkaOffset + 1;
            }
        }

        await _offsets.WriteAndCommitAsync(conn, tx, next, last, cancellationToken).ConfigureAwait(false);
        foreach (var (partition, offset) in next)
        {
            _stored[partition] = offset;
        }
    }

    /// <summary>The records per target table, in record order; one topic's records (the usual batch) need no grouping.</summary>
    private List<((string Schema, string Table) Target, List<SinkRecord> Records)> ByTable(IReadOnlyList<SinkRecord> records)
    {
        var groups = new List<((string, string), List<SinkRecord>)>(1);
        string? topic = null;
        List<SinkRecord>? current = null;
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            if (!string.Equals(record.Topic, topic, StringComparison.Ordinal))
            {
                topic = record.Topic;
                var target = _config.TableFor(topic);
                current = groups.Find(g => g.Item1 == target).Item2;
                if (current is null)
                {
                    current = new List<SinkRecord>(records.Count);
                    groups.Add((target, current));
                }
            }

            current!.Add(record);
        }

        return groups;
    }

    /// <inheritdoc/>
    public override Task<IReadOnlyDictionary<TopicPartitionRef, long>> PreCommitAsync(IReadOnlyDictionary<TopicPartitionRef, long> currentOffsets,
        CancellationToken cancellationToken = default)
    {
        // Only what the database holds: the group's offsets never run ahead of the rows.
        IReadOnlyDictionary<TopicPartitionRef, long> safe = currentOffsets.Keys
            .Where(_stored.ContainsKey)
            .ToDictionary(tp => tp, tp => _stored[tp]);
        return Task.FromResult(safe);
    }

    /// <inheritdoc/>
    public override async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_session is not null)
        {
            await _session.DisposeAsync().ConfigureAwait(false);
        }

        if (_pool is not null)
        {
            await _pool.DisposeAsync().ConfigureAwait(false);
        }
    }
}
