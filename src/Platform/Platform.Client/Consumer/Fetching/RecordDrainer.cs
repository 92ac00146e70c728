using Platform.Protocol;
using Platform.Protocol.RecordFormat;

namespace Platform.Client.Consumer.Fetching;

/// <summary>
/// Decodes the records of one <see cref="CompletedFetch"/> lazily, one batch at a time, on the
/// consuming thread: whole batches only (a cut-off last batch is left for the next fetch), CRCs
/// checked when <c>check.crcs</c>, control batches and (under read_committed) aborted transactions
/// skipped, records below the position skipped. It advances the partition's position as records
/// are returned and past skipped batches. Compressed batches inflate into the reader's pooled buffer.
/// </summary>
internal sealed class RecordDrainer(bool checkCrcs, bool readCommitted) : IDisposable
{
    private readonly RecordBatchReader _reader = new();
    private readonly HashSet<long> _abortedProducers = [];
    private CompletedFetch? _fetch;
    private int _nextBatch;
    private bool _inBatch;
    private long _batchNextOffset;
    private int _batchEpoch;
    private int _nextAborted;
    private RecordBatchReader.Enumerator _records;

    /// <summary>The fetch being drained, if any.</summary>
    public CompletedFetch? Current => _fetch;

    /// <summary>The batch the last record came from.</summary>
    public RecordBatch CurrentBatch => _reader.Batch;

    /// <summary>The timestamp type of the batch the last record came from.</summary>
    public Protocol.RecordFormat.TimestampType CurrentTimestampType { get; private set; }

    public void Start(CompletedFetch fetch)
    {
        _fetch = fetch;
        _nextBatch = 0;
        _inBatch = false;
        _nextAborted = 0;
        _abortedProducers.Clear();
    }

    /// <summary>Stops draining and hands back the fetch (for <see cref="Fetcher.Finished"/>).</summary>
    public CompletedFetch? Stop()
    {
        var fetch = _fetch;
        _fetch = null;
        _inBatch = false;
        return fetch;
    }

    /// <summary>
    /// The next record at or after the position, advancing the position past it; false when the
    /// fetch holds no more. The record's bytes are valid until the next call.
    /// </summary>
    /// <exception cref="KafkaException"><see cref="ErrorCode.CorruptMessage"/>: a batch fails its CRC or does not decode.</exception>
    public bool TryNext(out Record record)
    {
        var fetch = _fetch ?? throw new InvalidOperationException("No fetch is being drained.");
        var state = fetch.State;
        while (true)
        {
            if (_inBatch)
            {
                bool more;
                try
                {
                    more = _records.MoveNext();
                }
                catch (InvalidDataException ex)
                {
                    throw Corrupt(fetch, ex);
                }

                if (more)
                {
                    record = _records.Current;
                    if (record.Offset < state.Position)
                    {
                        continue;
                    }

                    state.Position = record.Offset + 1;
                    state.PositionEpoch = _batchEpoch;
                    return true;
                }

                _inBatch = false;
                state.Position = Math.Max(state.Position, _batchNextOffset);
            }

            if (!TryLoadNextBatch(fetch))
            {
                record = default;
                return false;
            }
        }
    }

    private bool TryLoadNextBatch(CompletedFetch fetch)
    {
        var state = fetch.State;
        var all = fetch.Records;
        while (true)
        {
            var rest = all[_nextBatch..];
            var batches = new RecordBatchEnumerator(rest.Span);
            if (!batches.MoveNext())
            {
                // Nothing, or a batch cut short by the size limit: the next fetch starts there.
                return false;
            }

            var batchMemory = rest[..batches.Current.Length];
            _nextBatch += batchMemory.Length;
            var header = batchMemory.Span;
            var nextOffset = RecordBatchHeader.LastOffset(header) + 1;
            if (nextOffset <= state.Position)
            {
                // Wholly before the position (the fetch started inside an earlier batch).
                continue;
            }

            if (Skip(header))
            {
                state.Position = Math.Max(state.Position, nextOffset);
                continue;
            }

            try
            {
                _reader.Load(batchMemory, checkCrcs);
            }
            catch (InvalidDataException ex)
            {
                throw Corrupt(fetch, ex);
            }

            _batchNextOffset = nextOffset;
            _batchEpoch = RecordBatchHeader.PartitionLeaderEpoch(header);
            CurrentTimestampType = RecordBatchHeader.TimestampType(header);
            _records = _reader.GetEnumerator();
            _inBatch = true;
            return true;
        }
    }

    /// <summary>Control batches always; under read_committed, batches of aborted transactions (as Kafka's Java consumer decides).</summary>
    private bool Skip(ReadOnlySpan<byte> batch)
    {
        var isControl = RecordBatchHeader.IsControl(batch);
        if (readCommitted && RecordBatchHeader.ProducerId(batch) >= 0 && _fetch!.AbortedTransactions is { } aborted)
        {
            var lastOffset = RecordBatchHeader.LastOffset(batch);
            while (_nextAborted < aborted.Count && aborted[_nextAborted].FirstOffset <= lastOffset)
            {
                _abortedProducers.Add(aborted[_nextAborted++].ProducerId);
            }

            var producerId = RecordBatchHeader.ProducerId(batch);
            if (isControl && IsAbortMarker(batch))
            {
                _abortedProducers.Remove(producerId);
            }
            else if (RecordBatchHeader.IsTransactional(batch) && _abortedProducers.Contains(producerId))
            {
                return true;
            }
        }

        return isControl;
    }

    private bool IsAbortMarker(ReadOnlySpan<byte> batch)
    {
        try
        {
            _reader.Load(batch.ToArray(), verifyCrc: false);
            foreach (var record in _reader)
            {
                return ControlRecord.TryReadType(record.KeySpan, out var type) && type == ControlRecordType.Abort;
            }
        }
        catch (InvalidDataException)
        {
            // A malformed marker is not an abort marker.
        }

        return false;
    }

    private static KafkaException Corrupt(CompletedFetch fetch, InvalidDataException ex)
        => new(new Error(ErrorCode.CorruptMessage, $"Corrupt record batch in partition {fetch.State.TopicPartition} at or after offset {fetch.State.Position}: {ex.Message}"), ex);

    public void Dispose() => _reader.Dispose();
}
