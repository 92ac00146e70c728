using Platform.Client.Network;
using Platform.Protocol;
using Platform.Protocol.Messages;
using Platform.Protocol.RecordFormat;

namespace Platform.Client.Consumer.Fetching;

internal sealed partial class Fetcher
{
    /// <summary>Fetch v4 is the first with RecordBatch v2 and aborted transactions; v13 names topics by id.</summary>
    private const short MinFetchVersion = 4;
    private const short MaxFetchVersion = 12;

    private async Task FetchAsync(int node, List<(PartitionState State, long Offset, int Epoch)> partitions, CancellationToken cancellationToken)
    {
        // Off the scheduling lock and thread.
        await Task.Yield();
        KafkaException? failure = null;
        try
        {
            var connection = await _metadata.GetNodeConnectionAsync(node, cancellationToken).ConfigureAwait(false);
            var version = connection.ApiVersions.Select(ApiKey.Fetch, MaxFetchVersion);
            if (version < MinFetchVersion)
            {
                throw new KafkaException(new Error(ErrorCode.UnsupportedVersion, $"Broker {connection.Address} supports Fetch only up to v{version}; this client needs v{MinFetchVersion}+ (RecordBatch v2)."));
            }

            var request = new FetchRequest
            {
                ReplicaId = -1,
                MaxWaitMs = _options.FetchMaxWaitMs,
                MinBytes = _options.FetchMinBytes,
                MaxBytes = _options.FetchMaxBytes,
                IsolationLevel = (sbyte)_options.IsolationLevel,
                SessionId = 0,
                SessionEpoch = -1,
                Topics = partitions
                    .GroupBy(p => p.State.TopicPartition.Topic)
                    .Select(t => new FetchRequest.FetchTopic
                    {
                        Topic = t.Key,
                        Partitions = t.Select(p => new FetchRequest.FetchPartition
                        {
                            Partition = p.State.TopicPartition.Partition,
                            CurrentLeaderEpoch = version >= 9 ? p.State.LeaderEpoch : -1,
                            FetchOffset = p.Offset,
                            LogStartOffset = -1,
                            PartitionMaxBytes = _options.MaxPartitionFetchBytes,
                        }).ToList(),
                    }).ToList(),
            };
            var pooled = await connection.SendPooledAsync<FetchResponse>(request, version, cancellationToken).ConfigureAwait(false);
            var buffer = new SharedFetchBuffer(pooled);
            try
            {
                if (pooled.Response.ErrorCode != 0)
                {
                    throw new KafkaException(Error.FromWire(pooled.Response.ErrorCode, $"Fetch from broker {connection.Address} failed: {((ErrorCode)pooled.Response.ErrorCode).ToKafkaName()}."));
                }

                Complete(partitions, pooled.Response, buffer);
            }
            finally
            {
                buffer.Release();
            }
        }
        catch (KafkaException ex)
        {
            failure = ex;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Closing.
        }
        catch (Exception ex)
        {
            failure = new KafkaException(new Error(ErrorCode.UnknownServerError, $"Fetch from node {node} failed: {ex.Message}"), ex);
        }
        finally
        {
            NodeDone(node, partitions.Select(p => p.State), failure);
        }
    }

    /// <summary>Queues each partition's answer, or handles its error.</summary>
    private void Complete(List<(PartitionState State, long Offset, int Epoch)> sent, FetchResponse response, SharedFetchBuffer buffer)
    {
        var byPartition = sent.ToDictionary(p => p.State.TopicPartition);
        var queued = false;
        var needMetadata = false;
        lock (_lock)
        {
            foreach (var topic in response.Responses)
            {
                foreach (var data in topic.Partitions)
                {
                    if (!byPartition.TryGetValue(new TopicPartition(topic.Topic, data.PartitionIndex), out var request))
                    {
                        continue;
                    }

                    var state = request.State;
                    state.InFlight = false;
                    if (state.Removed || state.Epoch != request.Epoch || state.FetchPosition != request.Offset)
                    {
                        continue;
                    }

                    var code = (ErrorCode)data.ErrorCode;
                    if (code == ErrorCode.None)
                    {
                        state.HighWatermark = data.HighWatermark;
                        state.LastStableOffset = data.LastStableOffset;
                        if (data.LogStartOffset >= 0)
                        {
                            state.LogStartOffset = data.LogStartOffset;
                        }

                        var records = (data.Records as MemoryRecords)?.Data ?? ReadOnlyMemory<byte>.Empty;
                        var nextOffset = NextFetchOffset(records.Span);
                        state.CaughtUp = nextOffset < 0;
                        var atEnd = request.Offset >= data.HighWatermark;
                        if (nextOffset >= 0 || (_options.EnablePartitionEof && atEnd && !state.EofReported && state.BufferedCount == 0))
                        {
                            _completed.Enqueue(new CompletedFetch(state, request.Epoch, request.Offset, nextOffset >= 0 ? buffer : null)
                            {
                                Records = nextOffset >= 0 ? records : ReadOnlyMemory<byte>.Empty,
                                NextFetchOffset = nextOffset,
                                HighWatermark = data.HighWatermark,
                                AbortedTransactions = _options.IsolationLevel == IsolationLevel.ReadCommitted
                                    ? data.AbortedTransactions?.OrderBy(a => a.FirstOffset).ToList()
                                    : null,
                            });
                            state.BufferedCount++;
                            state.FetchPosition = Math.Max(nextOffset, request.Offset);
                            queued = true;
                        }

                        continue;
                    }

                    if (code == ErrorCode.OffsetOutOfRange && state.BufferedCount > 0)
                    {
                        // A fetch ahead of buffered data: judge it again once the application caught up.
                        state.RetryAtMs = Environment.TickCount64 + _options.RetryBackoffMs;
                        continue;
                    }

                    if (code == ErrorCode.OffsetOutOfRange)
                    {
                        if (_options.AutoOffsetReset != OffsetReset.None)
                        {
                            state.Position = state.FetchPosition = PartitionState.NoPosition;
                            state.PendingReset = _options.AutoOffsetReset;
                            state.Epoch++;
                            continue;
                        }

                        state.Blocked = true;
                        _errors.Enqueue(CompletedFetch.PartitionError(
                            code, state.TopicPartition, $"Fetch position {request.Offset} is out of range and auto.offset.reset is 'none'; seek to go on"));
                        queued = true;
                        continue;
                    }

                    state.RetryAtMs = Environment.TickCount64 + _options.RetryBackoffMs;
                    if (NeedsMetadata(code))
                    {
                        needMetadata = true;
                        continue;
                    }

                    // Not retriable by waiting (authorization, corrupt data on the broker, ...): the application hears of it.
                    _errors.Enqueue(CompletedFetch.PartitionError(code, state.TopicPartition, $"Fetch at offset {request.Offset} failed"));
                    queued = true;
                }
            }
        }

        if (needMetadata)
        {
            _metadata.RequestUpdate();
        }

        if (queued)
        {
            _dataReady.Set();
        }
    }

    /// <summary>The offset after the last whole batch, or -1 when there is none (nothing, or only a batch cut short).</summary>
    private static long NextFetchOffset(ReadOnlySpan<byte> records)
    {
        var next = -1L;
        var batches = new RecordBatchEnumerator(records);
        while (batches.MoveNext())
        {
            next = RecordBatchHeader.LastOffset(batches.Current) + 1;
        }

        return next;
    }

    private async Task ResetAsync(int node, List<(PartitionState State, OffsetReset Reset, int Epoch)> partitions, CancellationToken cancellationToken)
    {
        await Task.Yield();
        KafkaException? failure = null;
        try
        {
            var answers = await ListOffsetsOnNodeAsync(
                node,
                partitions.Select(p => (p.State.TopicPartition, p.Reset == OffsetReset.Earliest ? Offsets.Beginning : Offsets.End, p.State.LeaderEpoch)).ToList(),
                cancellationToken).ConfigureAwait(false);
            var needMetadata = false;
            lock (_lock)
            {
                foreach (var (state, reset, epoch) in partitions)
                {
                    state.InFlight = false;
                    if (state.Removed || state.Epoch != epoch || state.PendingReset != reset
                        || !answers.TryGetValue(state.TopicPartition, out var answer))
                    {
                        continue;
                    }

                    if (answer.Error == ErrorCode.None)
                    {
                        state.Position = state.FetchPosition = answer.Offset;
                        state.PositionEpoch = -1;
                        state.PendingReset = OffsetReset.None;
                        state.Epoch++;
                    }
                    else
                    {
                        state.RetryAtMs = Environment.TickCount64 + _options.RetryBackoffMs;
                        needMetadata |= NeedsMetadata(answer.Error);
                        if (!NeedsMetadata(answer.Error))
                        {
                            _errors.Enqueue(CompletedFetch.PartitionError(answer.Error, state.TopicPartition, "Looking up the offset to start at failed"));
                            _dataReady.Set();
                        }
                    }
                }
            }

            if (needMetadata)
            {
                _metadata.RequestUpdate();
            }
        }
        catch (KafkaException ex)
        {
            failure = ex;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Closing.
        }
        catch (Exception ex)
        {
            failure = new KafkaException(new Error(ErrorCode.UnknownServerError, $"Looking up offsets on node {node} failed: {ex.Message}"), ex);
        }
        finally
        {
            NodeDone(node, partitions.Select(p => p.State), failure);
        }
    }

    /// <summary>
    /// Sends one ListOffsets to <paramref name="node"/>: per partition a timestamp, or
    /// <see cref="Offsets.Beginning"/> / <see cref="Offsets.End"/>.
    /// </summary>
    internal async Task<Dictionary<TopicPartition, (long Offset, long Timestamp, ErrorCode Error)>> ListOffsetsOnNodeAsync(
        int node,
        IReadOnlyList<(TopicPartition TopicPartition, long Timestamp, int LeaderEpoch)> partitions,
        CancellationToken cancellationToken)
    {
        var connection = await _metadata.GetNodeConnectionAsync(node, cancellationToken).ConfigureAwait(false);
        var version = connection.ApiVersions.Select(ApiKey.ListOffsets);
        var request = new ListOffsetsRequest
        {
            ReplicaId = -1,
            IsolationLevel = (sbyte)_options.IsolationLevel,
            Topics = partitions
                .GroupBy(p => p.TopicPartition.Topic)
                .Select(t => new ListOffsetsRequest.ListOffsetsTopic
                {
                    Name = t.Key,
                    Partitions = t.Select(p => new ListOffsetsRequest.ListOffsetsPartition
                    {
                        PartitionIndex = p.TopicPartition.Partition,
                        Timestamp = p.Timestamp,
                        CurrentLeaderEpoch = version >= 4 ? p.LeaderEpoch : -1,
                    }).ToList(),
                }).ToList(),
        };
        var response = await connection.SendAsync<ListOffsetsResponse>(request, version, cancellationToken).ConfigureAwait(false);
        var result = new Dictionary<TopicPartition, (long, long, ErrorCode)>();
        foreach (var topic in response.Topics)
        {
            foreach (var p in topic.Partitions)
            {
                var offset = version == 0 ? p.OldStyleOffsets.DefaultIfEmpty(-1).First() : p.Offset;
                result[new TopicPartition(topic.Name, p.PartitionIndex)] = (offset, p.Timestamp, (ErrorCode)p.ErrorCode);
            }
        }

        return result;
    }
}
