using Platform.Protocol;

namespace Platform.Broker.Groups;

/// <summary>
/// One classic group: its <see cref="GroupStateMachine"/> (membership and rebalances), its
/// <see cref="GroupMembers"/> and its <see cref="OffsetStore"/>. Every request takes <see cref="Gate"/>
/// for its whole decision, so nothing sees a half-applied change. A change written to
/// <c>__consumer_offsets</c> is appended under the gate and applied, and answered, once durable (under
/// the gate again, in the partition's append order), so no thread waits for an fsync.
/// </summary>
internal sealed class ConsumerGroup
{
    private readonly GroupContext _context;

    public ConsumerGroup(string groupId, int partition, GroupContext context)
    {
        GroupId = groupId;
        Partition = partition;
        _context = context;
        Machine = new GroupStateMachine(this, context);
    }

    public Lock Gate { get; } = new();

    public string GroupId { get; }

    /// <summary>The <c>__consumer_offsets</c> partition holding this group's records.</summary>
    public int Partition { get; }

    public GroupMembers Members { get; } = new();

    public OffsetStore Offsets { get; } = new();

    /// <summary>Membership and rebalances: JoinGroup, SyncGroup, Heartbeat and LeaveGroup go here, under <see cref="Gate"/>.</summary>
    public GroupStateMachine Machine { get; }

    public GroupState State => Machine.State;

    public long StateTimestampMs => Machine.StateTimestampMs;

    public int GenerationId => Machine.GenerationId;

    public string? ProtocolName => Machine.ProtocolName;

    public bool Is(GroupState state) => Machine.Is(state);

    /// <summary>Takes the state the group's records in its partition add up to.</summary>
    public void Load(LoadedGroup loaded)
    {
        lock (Gate)
        {
            if (loaded.Metadata is { } metadata)
            {
                Machine.Restore(metadata);
            }

            Offsets.Commit(loaded.Offsets.Select(o => (o.Key, o.Value)));
            foreach (var (producerId, offsets) in loaded.PendingTransactionalOffsets)
            {
                Offsets.Stage(producerId, offsets.Select(o => (o.Key, o.Value)));
            }
        }
    }

    /// <summary>The coordinator stops serving the group: whatever waits is answered NOT_COORDINATOR, timers stop, the group is dead.</summary>
    public void Unload()
    {
        lock (Gate)
        {
            Machine.Stop(ErrorCode.NotCoordinator);
        }
    }

    /// <summary>
    /// OffsetCommit: members of a managed group must name their generation; a negative generation commits
    /// for a group that only stores offsets. The offsets are written as one batch and applied once durable.
    /// </summary>
    public Task<ErrorCode> CommitOffsets(string memberId, string? groupInstanceId, int generationId, IReadOnlyList<(TopicPartition Partition, CommittedOffset Offset)> offsets)
    {
        lock (Gate)
        {
            var error = Machine.ValidateCommit(memberId, groupInstanceId, generationId);
            if (error != ErrorCode.None)
            {
                return Task.FromResult(error);
            }

            return WriteThen(
                complete => _context.Store.StoreOffsets(this, offsets, complete),
                error =>
                {
                    if (error == ErrorCode.None)
                    {
                        Offsets.Commit(offsets);
                    }

                    return CoordinatorTopic.CommitError(error);
                });
        }
    }
    /// <summary>
    /// TxnOffsetCommit: the offsets are written as a transactional batch of the producer and stay pending
    /// until its marker (<see cref="CompleteTransaction"/>). KIP-447: a member id, generation or instance
    /// id, when given, must match the group's.
    /// </summary>
    public Task<ErrorCode> TxnCommitOffsets(long producerId, short producerEpoch, string memberId, string? groupInstanceId, int generationId, IReadOnlyList<(TopicPartition Partition, CommittedOffset Offset)> offsets)
    {
        lock (Gate)
        {
            var error = Is(GroupState.Dead) ? ErrorCode.CoordinatorNotAvailable
                : Members.IsStaticMemberFenced(groupInstanceId, memberId) ? ErrorCode.FencedInstanceId
                : memberId.Length > 0 && !Members.Has(memberId) ? ErrorCode.UnknownMemberId
                : generationId >= 0 && generationId != GenerationId ? ErrorCode.IllegalGeneration
                : ErrorCode.None;
            if (error != ErrorCode.None)
            {
                return Task.FromResult(error);
            }

            return WriteThen(
                complete => _context.Store.StoreOffsets(this, offsets, complete, producerId, producerEpoch),
                error =>
                {
                    if (error == ErrorCode.None)
                    {
                        Offsets.Stage(producerId, offsets);
                    }

                    return CoordinatorTopic.CommitError(error);
                });
        }
    }

    /// <summary>The producer's marker is durable on the group's partition: its staged offsets are committed (COMMIT) or dropped.</summary>
    public void CompleteTransaction(long producerId, bool commit)
    {
        lock (Gate)
        {
            Offsets.CompleteTransaction(producerId, commit);
        }
    }

    /// <summary>OffsetFetch: the committed offsets of <paramref name="partitions"/> (null for none), or all of them when null.</summary>
    public IReadOnlyList<(TopicPartition Partition, CommittedOffset? Offset)> FetchOffsets(IReadOnlyList<TopicPartition>? partitions)
    {
        lock (Gate)
        {
            var dead = Is(GroupState.Dead);
            if (partitions is null)
            {
                return dead ? [] : Offsets.All();
            }

            return partitions.Select(p => (p, dead ? null : Offsets.Get(p))).ToList();
        }
    }

    /// <summary>The partitions with an offset commit in an open transaction (OffsetFetch require_stable).</summary>
    public IReadOnlySet<TopicPartition> UnstablePartitions()
    {
        lock (Gate)
        {
            return Offsets.UnstablePartitions();
        }
    }

    /// <summary>
    /// OffsetDelete: removes committed offsets of an empty group, or of topics no member of an active
    /// consumer group subscribes to (those get GROUP_SUBSCRIBED_TO_TOPIC).
    /// </summary>
    public Task<(ErrorCode Error, IReadOnlyList<(TopicPartition Partition, ErrorCode Error)> Partitions)> DeleteOffsets(IReadOnlyList<TopicPartition> partitions)
    {
        lock (Gate)
        {
            HashSet<string> subscribed;
            switch (State)
            {
                case GroupState.Dead:
                    return Task.FromResult<(ErrorCode, IReadOnlyList<(TopicPartition, ErrorCode)>)>((ErrorCode.GroupIdNotFound, []));
                case GroupState.Empty:
                    subscribed = [];
                    break;
                default:
                    if (Members.ProtocolType != GroupMembers.ConsumerProtocolType)
                    {
                        return Task.FromResult<(ErrorCode, IReadOnlyList<(TopicPartition, ErrorCode)>)>((ErrorCode.NonEmptyGroup, []));
                    }

                    subscribed = Members.SubscribedTopics(ProtocolName) ?? [];
                    break;
            }

            var results = partitions.Select(p => (p, subscribed.Contains(p.Topic) ? ErrorCode.GroupSubscribedToTopic : ErrorCode.None)).ToList();
            var removed = results.Where(r => r.Item2 == ErrorCode.None && Offsets.Contains(r.p)).Select(r => r.p).Distinct().ToList();
            return WriteThen<(ErrorCode, IReadOnlyList<(TopicPartition, ErrorCode)>)>(
                complete => _context.Store.DeleteOffsets(this, removed, deleteGroup: false, complete),
                error =>
                {
                    if (error != ErrorCode.None)
                    {
                        return (CoordinatorTopic.CommitError(error), []);
                    }

                    Offsets.Remove(removed);
                    return (ErrorCode.None, results);
                });
        }
    }

    /// <summary>
    /// Offset retention (offsets.retention.minutes): an empty group's offsets expire that long after it
    /// became empty; a stable consumer group's offsets of topics it no longer subscribes to expire that
    /// long after their commit; a group that only stores offsets expires each offset that long after its
    /// commit. Expired offsets get tombstones; an empty group left without offsets is deleted. Completes
    /// with what was removed once the tombstones are durable.
    /// </summary>
    public Task<(int Offsets, bool Deleted)> ExpireOffsets(long nowMs, long retentionMs)
    {
        lock (Gate)
        {
            if (Is(GroupState.Dead))
            {
                return Task.FromResult((0, false));
            }

            var expired = Members.ProtocolType is null ? Offsets.Expired(nowMs, retentionMs, null, _ => true)
                : Is(GroupState.Empty) ? Offsets.Expired(nowMs, retentionMs, StateTimestampMs, _ => true)
                : Is(GroupState.Stable) && Members.SubscribedTopics(ProtocolName) is { } subscribed ? Offsets.Expired(nowMs, retentionMs, null, p => !subscribed.Contains(p.Topic))
                : [];
            var deleteGroup = Is(GroupState.Empty) && Offsets.Count == expired.Count;
            if (expired.Count == 0 && !deleteGroup)
            {
                return Task.FromResult((0, false));
            }

            // A group with generation 0 only ever stored offsets and has no metadata record.
            var deleteMetadata = deleteGroup && GenerationId > 0;
            return Delete(expired, deleteGroup, deleteMetadata, error => (error == ErrorCode.None ? expired.Count : 0, deleteGroup && error == ErrorCode.None));
        }
    }

    /// <summary>DescribeGroups: metadata and assignments only for a stable group.</summary>
    public GroupDescription Describe()
    {
        lock (Gate)
        {
            var stable = Is(GroupState.Stable);
            var members = Members.All
                .Select(m => new MemberDescription(m.MemberId, m.GroupInstanceId, m.ClientId, m.ClientHost, stable ? m.MetadataFor(ProtocolName!) : [], stable ? m.Assignment : []))
                .ToList();
            return new GroupDescription(ErrorCode.None, GroupId, State.ToString(), Members.ProtocolType ?? "", stable ? ProtocolName ?? "" : "", members);
        }
    }

    /// <summary>ListGroups: the group's listing unless it is dead or not in <paramref name="statesFilter"/> (names compared case-insensitively).</summary>
    public GroupListing? Listing(IReadOnlyCollection<string> statesFilter)
    {
        lock (Gate)
        {
            var state = State.ToString();
            return !Is(GroupState.Dead) && (statesFilter.Count == 0 || statesFilter.Contains(state, StringComparer.OrdinalIgnoreCase))
                ? new GroupListing(GroupId, Members.ProtocolType ?? "", state)
                : null;
        }
    }

    /// <summary>DeleteGroups: only an empty group may go; its offsets and metadata get tombstones.</summary>
    public Task<ErrorCode> DeleteGroup()
    {
        lock (Gate)
        {
            return State switch
            {
                GroupState.Dead => Task.FromResult(ErrorCode.GroupIdNotFound),
                GroupState.Empty => Delete(Offsets.Partitions.ToList(), deleteGroup: true, deleteMetadata: true, error =>
                {
                    if (error == ErrorCode.None)
                    {
                        _context.Logger.LogGroupDeleted(GroupId);
                    }

                    return CoordinatorTopic.CommitError(error);
                }),
                _ => Task.FromResult(ErrorCode.NonEmptyGroup),
            };
        }
    }

    /// <summary>
    /// Writes tombstones for <paramref name="partitions"/> (and the metadata), removing the offsets once
    /// durable. A deleted group leaves at once, as in Kafka, so a new group of the same id can start
    /// while the tombstones are written; it comes back if they cannot be.
    /// </summary>
    private Task<T> Delete<T>(List<TopicPartition> partitions, bool deleteGroup, bool deleteMetadata, Func<ErrorCode, T> complete)
    {
        if (deleteGroup)
        {
            Machine.Stop(ErrorCode.CoordinatorNotAvailable);
            _context.Remove(this);
        }

        return WriteThen(
            done => _context.Store.DeleteOffsets(this, partitions, deleteMetadata, done),
            error =>
            {
                if (error == ErrorCode.None)
                {
                    Offsets.Remove(partitions);
                }
                else if (deleteGroup && Is(GroupState.Dead))
                {
                    Machine.Revive();
                    _context.Restore(this);
                }

                return complete(error);
            });
    }

    /// <summary>
    /// Starts a write (under the gate) and returns what <paramref name="complete"/> makes of its outcome,
    /// computed under the gate once the write is durable or failed. The task completes outside the gate
    /// on the thread that completed the write, so the answer goes out without another thread hop.
    /// </summary>
    private Task<T> WriteThen<T>(Action<Action<ErrorCode>> write, Func<ErrorCode, T> complete)
    {
        var done = new TaskCompletionSource<T>();
        write(error =>
        {
            T result;
            try
            {
                lock (Gate)
                {
                    result = complete(error);
                }
            }
            catch (Exception e)
            {
                // A bug: the request fails with it instead of waiting forever.
                done.TrySetException(e);
                return;
            }

            done.TrySetResult(result);
        });
        return done.Task;
    }
}
