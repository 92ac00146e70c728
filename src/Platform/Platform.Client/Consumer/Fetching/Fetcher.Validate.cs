using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Client.Consumer.Fetching;

/// <summary>A position to check against a new leader: the state's <see cref="PartitionState.Epoch"/> tells a later seek.</summary>
internal readonly record struct PositionCheck(PartitionState State, long Position, int PositionEpoch, int Epoch);

internal sealed partial class Fetcher
{
    /// <summary>
    /// Asks the new leader of each partition where <see cref="PartitionState.PositionEpoch"/> ends in its log
    /// (KIP-320). If it ends before the position, the records past that end were lost by an unclean leader
    /// election: the consumer goes on from where the logs diverge (or, with auto.offset.reset=none, stops
    /// with OFFSET_OUT_OF_RANGE for the application to seek), instead of fetching an offset the new leader
    /// may already have filled with other records.
    /// </summary>
    private async Task ValidateAsync(int node, List<PositionCheck> checks, CancellationToken cancellationToken)
    {
        await Task.Yield();
        KafkaException? failure = null;
        try
        {
            var connection = await _metadata.GetNodeConnectionAsync(node, cancellationToken).ConfigureAwait(false);
            // v3 is the first with a replica id, which tells the broker a consumer asks (and gets the high watermark's view).
            var version = connection.ApiVersions.Select(ApiKey.OffsetForLeaderEpoch);
            var request = new OffsetForLeaderEpochRequest
            {
                ReplicaId = -1,
                Topics = [.. checks.GroupBy(c => c.State.TopicPartition.Topic).Select(t => new OffsetForLeaderEpochRequest.OffsetForLeaderTopic
                {
                    Topic = t.Key,
                    Partitions = [.. t.Select(c => new OffsetForLeaderEpochRequest.OffsetForLeaderPartition
                    {
                        Partition = c.State.TopicPartition.Partition,
                        CurrentLeaderEpoch = c.State.LeaderEpoch,
                        LeaderEpoch = c.PositionEpoch,
                    })],
                })],
            };
            var response = await connection.SendAsync<OffsetForLeaderEpochResponse>(request, version, cancellationToken).ConfigureAwait(false);
            var answers = response.Topics
                .SelectMany(t => t.Partitions.Select(p => (TopicPartition: new TopicPartition(t.Topic, p.Partition), Answer: p)))
                .ToDictionary(a => a.TopicPartition, a => a.Answer);
            var needMetadata = false;
            var queued = false;
            var truncations = new List<KafkaException>();
            lock (_lock)
            {
                foreach (var check in checks)
                {
                    var state = check.State;
                    state.InFlight = false;
                    if (state.Removed || state.Epoch != check.Epoch || !state.AwaitingValidation
                        || !answers.TryGetValue(state.TopicPartition, out var answer))
                    {
                        continue;
                    }

                    var code = (ErrorCode)answer.ErrorCode;
                    if (code != ErrorCode.None)
                    {
                        state.RetryAtMs = Environment.TickCount64 + _options.RetryBackoffMs;
                        if (NeedsMetadata(code))
                        {
                            needMetadata = true;
                            continue;
                        }

                        // The broker cannot answer (authorization, an old broker): fetch on unvalidated, and say so.
                        state.AwaitingValidation = false;
                        _errors.Enqueue(CompletedFetch.PartitionError(code, state.TopicPartition, "Validating the position after a leader change failed"));
                        queued = true;
                        continue;
                    }

                    if (CompleteValidationLocked(state, check, answer.LeaderEpoch, answer.EndOffset) is { } truncation)
                    {
                        truncations.Add(truncation);
                        queued |= state.Blocked;
                    }
                }
            }

            truncations.ForEach(_onError);

            if (needMetadata)
            {
                _metadata.RequestUpdate();
            }

            if (queued)
            {
                _dataReady.Set();
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
            failure = new KafkaException(new Error(ErrorCode.UnknownServerError, $"Validating positions on node {node} failed: {ex.Message}"), ex);
        }
        finally
        {
            NodeDone(node, checks.Select(c => c.State), failure);
        }
    }

    /// <summary>
    /// Applies the leader's answer: the position stands (null), or the log was truncated under it and the
    /// returned error says so: the consumer moved back to where the logs diverge, or stopped with
    /// OFFSET_OUT_OF_RANGE queued for the application when auto.offset.reset is 'none'.
    /// </summary>
    private KafkaException? CompleteValidationLocked(PartitionState state, PositionCheck check, int endEpoch, long endOffset)
    {
        state.AwaitingValidation = false;
        var unknown = endOffset < 0 || endEpoch < 0;
        if (!unknown && endOffset >= check.Position)
        {
            return null;
        }

        var detail = unknown
            ? $"the new leader has no record of leader epoch {check.PositionEpoch}"
            : $"the new leader's log ends epoch {check.PositionEpoch} at offset {endOffset}";
        if (_options.AutoOffsetReset == OffsetReset.None)
        {
            var message = $"Log truncation detected at position {check.Position}: {detail} and auto.offset.reset is 'none'; seek to go on";
            state.Blocked = true;
            _errors.Enqueue(CompletedFetch.PartitionError(ErrorCode.OffsetOutOfRange, state.TopicPartition, message));
            return new KafkaException(new Error(ErrorCode.OffsetOutOfRange, $"{state.TopicPartition}: {message}"));
        }

        // Records at and after the divergence were lost with the old leader: go on from there, or by the
        // reset policy when the leader cannot say where.
        SeekLocked(state, unknown ? Offsets.Stored : endOffset);
        if (!unknown)
        {
            state.PositionEpoch = endEpoch;
        }

        var where = unknown ? "by auto.offset.reset" : $"from offset {endOffset}";
        return new KafkaException(new Error(
            ErrorCode.OffsetOutOfRange, $"{state.TopicPartition}: log truncation detected at position {check.Position}: {detail}; records after it were lost, consuming on {where}"));
    }
}
