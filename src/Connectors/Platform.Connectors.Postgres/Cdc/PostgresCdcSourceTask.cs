using System.Threading.Channels;
using Npgsql;
using Platform.Connect;
using Platform.Connect.Connectors;
using Platform.Connectors.Postgres.Common;

namespace Platform.Connectors.Postgres.Cdc;

/// <summary>
/// Streams a database's changes as Debezium change events. A background reader (<see cref="CdcStreamReader"/>)
/// fills a bounded queue; polls drain it. A WAL position is confirmed to the server only once every record up to
/// it has been acknowledged by the broker (<see cref="CommitRecordAsync"/>), so the slot never lets go of a change
/// that is not durable; after a restart the reader skips what the stored offset says was already produced.
/// With <c>heartbeat.interval.ms</c>, a logical decoding message is written periodically: it travels through the
/// WAL like a change, becomes a heartbeat record, and once that is acknowledged the slot moves past everything
/// before it, even when the captured tables are idle.
/// </summary>
public sealed class PostgresCdcSourceTask : SourceTask
{
    private readonly Channel<CdcItem> _queue = Channel.CreateBounded<CdcItem>(new BoundedChannelOptions(4096) { SingleReader = true, SingleWriter = true });
    private readonly LsnAcknowledger _acks = new();
    private PostgresCdcConfig _config = null!;
    private RetryBudget _retries = null!;
    private CancellationTokenSource _stop = new();
    private CdcStreamReader? _reader;
    private Task? _readerTask;
    private Task? _heartbeatTask;
    private ulong _confirmed;

    /// <inheritdoc/>
    public override Task StartAsync(IReadOnlyDictionary<string, string> config, CancellationToken cancellationToken = default)
    {
        _config = PostgresCdcConfig.Parse(config);
        _retries = new RetryBudget(_config.Attempts, "Streaming changes from PostgreSQL");
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override async Task<IReadOnlyList<SourceRecord>> PollAsync(CancellationToken cancellationToken)
    {
        if (_readerTask is null)
        {
            StartReader();
        }
        else if (_readerTask.IsFaulted)
        {
            var error = _readerTask.Exception!.GetBaseException();
            _readerTask = null; // the next poll reconnects and resumes after the last record handed out
            if (PgErrors.IsTransient(error))
            {
                throw _retries.Failed(error);
            }

            throw error is ConnectException ? error : new ConnectException($"Change streaming failed: {error.Message}", error);
        }

        var records = new List<SourceRecord>();
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(_config.Poll);
        try
        {
            if (!_queue.Reader.TryPeek(out _))
            {
                await _queue.Reader.WaitToReadAsync(wait.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return records; // nothing within the poll interval
        }

        while (records.Count < _config.BatchSize && _queue.Reader.TryRead(out var item))
        {
            if (item.Record is { } record)
            {
                _acks.Sent(record.SourceOffset);
                records.Add(record);
            }
            else
            {
                _acks.Checkpoint(item.Checkpoint);
            }
        }

        if (records.Count > 0)
        {
            _retries.Succeeded();
        }

        Confirm();
        return records;
    }

    private void StartReader()
    {
        CdcPosition? stored = null;
        if (_reader is null)
        {
            stored = CdcPosition.FromOffset(Context.OffsetStorageReader.Offset(new Dictionary<string, object?> { ["server"] = _config.Prefix }));
        }

        // A reader restarted after an outage resumes after what the previous one handed out, and redoes an unfinished snapshot.
        var position = _reader?.Position ?? stored ?? default;
        var snapshot = _reader?.SnapshotPending ?? (_config.SnapshotsData && stored is null);
        _reader = new CdcStreamReader(_config, _queue.Writer, position, snapshot);
        var reader = _reader;
        _readerTask = Task.Run(() => reader.RunAsync(_stop.Token));
        if (_config.Heartbeat > TimeSpan.Zero && _heartbeatTask is null)
        {
            _heartbeatTask = Task.Run(() => HeartbeatLoopAsync(_stop.Token));
        }
    }

    private async Task HeartbeatLoopAsync(CancellationToken cancellationToken)
    {
        await using var db = NpgsqlDataSource.Create(_config.ConnectionString);
        using var timer = new PeriodicTimer(_config.Heartbeat);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await using var conn = await db.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await using var cmd = new NpgsqlCommand($"SELECT pg_logical_emit_message(true, '{CdcStreamReader.HeartbeatPrefix}', '')", conn);
                await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (PgErrors.IsTransient(e))
            {
                // The reader notices the outage too and reports it; the next tick tries again.
            }
        }
    }

    /// <inheritdoc/>
    public override Task CommitRecordAsync(SourceRecord record, RecordMetadata? metadata, CancellationToken cancellationToken = default)
    {
        _acks.Acknowledged(record.SourceOffset);
        Confirm();
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        Confirm();
        if (_reader is { } reader)
        {
            await reader.SendStatusAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void Confirm()
    {
        var confirmable = _acks.Confirmable;
        if (confirmable > _confirmed && _reader is { } reader)
        {
            reader.Confirm(confirmable);
            _confirmed = confirmable;
        }
    }

    /// <inheritdoc/>
    public override async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var task in new[] { _readerTask, _heartbeatTask })
        {
            if (task is not null)
            {
                try
                {
                    await task.ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException || PgErrors.IsTransient(e) || e is ConnectException or PostgresException)
                {
                    // Stopping: the reader's end is expected, and an outage no longer matters.
                }
            }
        }

        _stop.Dispose();
        _stop = new CancellationTokenSource();
        if (_config.DropSlotOnStop)
        {
            await using var db = NpgsqlDataSource.Create(_config.ConnectionString);
            await using var conn = await db.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var cmd = new NpgsqlCommand("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = @s AND NOT active", conn);
            cmd.Parameters.AddWithValue("s", _config.Slot);
            await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
