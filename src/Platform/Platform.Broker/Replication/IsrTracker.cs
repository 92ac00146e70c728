namespace Platform.Broker.Replication;

/// <summary>
/// The leader's view of one partition's followers: how far each has fetched (its log end offset), when it
/// was last caught up, the in-sync replicas and the high watermark, following Kafka's rules:
/// <list type="bullet">
/// <item>A follower is caught up at a fetch that reaches the leader's log end offset, or that reaches the end
/// the leader had at the follower's previous fetch (then it was caught up at that previous fetch).</item>
/// <item>An ISR member not caught up for <c>replica.lag.time.max.ms</c> leaves the ISR; a replica outside it
/// joins once it has fetched up to the high watermark and past the start of the current leader epoch.</item>
/// <item>The high watermark is the smallest log end offset in the ISR and never goes back. While an ISR change
/// waits for the controller's store to accept it, the high watermark counts the union of the old and the
/// proposed ISR (Kafka's "maximal ISR"), so it never runs ahead of a replica that may still be in the ISR.</item>
/// </list>
/// Not thread-safe: the partition calls it under its own lock.
/// </summary>
public sealed class IsrTracker
{
    private readonly int _leader;
    private readonly TimeProvider _time;
    private readonly Dictionary<int, Follower> _followers = [];
    private readonly long _leaderEpochStartOffset;
    private int[] _isr;
    private int[]? _pendingIsr;
    private long _leaderLogEndOffset;

    public IsrTracker(int leader, IReadOnlyList<int> replicas, IReadOnlyList<int> isr, long highWatermark, long leaderLogEndOffset, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        ArgumentNullException.ThrowIfNull(isr);
        ArgumentNullException.ThrowIfNull(time);
        _leader = leader;
        _time = time;
        _isr = [.. isr];
        HighWatermark = highWatermark;
        _leaderLogEndOffset = leaderLogEndOffset;
        // Records from here on were written under this leadership: a follower must reach it to join the ISR.
        _leaderEpochStartOffset = leaderLogEndOffset;
        var now = time.GetTimestamp();
        foreach (var replica in replicas.Where(r => r != leader))
        {
            // Unknown until the first fetch; ISR members get a full lag interval to show up.
            _followers[replica] = new Follower { LogEndOffset = -1, LastCaughtUp = isr.Contains(replica) ? now : long.MinValue, LastFetch = now };
        }
    }

    public long HighWatermark { get; private set; }

    /// <summary>The ISR as the controller's store last accepted it.</summary>
    public IReadOnlyList<int> Isr => _isr;

    /// <summary>An ISR change proposed and not yet accepted or refused, or null.</summary>
    public IReadOnlyList<int>? PendingIsr => _pendingIsr;

    /// <summary>A follower's log end offset as of its last fetch, or -1 before its first.</summary>
    public long FollowerLogEndOffset(int replica) => _followers.TryGetValue(replica, out var f) ? f.LogEndOffset : -1;

    /// <summary>The leader appended up to <paramref name="logEndOffset"/>. Returns true if the high watermark moved (a single-replica ISR).</summary>
    public bool OnLeaderAppend(long logEndOffset)
    {
        _leaderLogEndOffset = logEndOffset;
        return AdvanceHighWatermark();
    }

    /// <summary>
    /// Follower <paramref name="replica"/> fetched from <paramref name="fetchOffset"/>, so it holds everything
    /// before it. Returns whether the high watermark moved and whether the follower should now join the ISR.
    /// </summary>
    public (bool HighWatermarkMoved, bool ShouldJoinIsr) OnFollowerFetch(int replica, long fetchOffset)
    {
        if (!_followers.TryGetValue(replica, out var follower))
        {
            return (false, false);
        }

        var now = _time.GetTimestamp();
        if (fetchOffset >= _leaderLogEndOffset)
        {
            follower.LastCaughtUp = now;
        }
        else if (fetchOffset >= follower.LeaderEndAtLastFetch)
        {
            follower.LastCaughtUp = Math.Max(follower.LastCaughtUp, follower.LastFetch);
        }

        follower.LogEndOffset = fetchOffset;
        follower.LeaderEndAtLastFetch = _leaderLogEndOffset;
        follower.LastFetch = now;
        var join = !_isr.Contains(replica) && _pendingIsr?.Contains(replica) != true
            && fetchOffset >= HighWatermark && fetchOffset >= _leaderEpochStartOffset;
        return (AdvanceHighWatermark(), join);
    }

    /// <summary>ISR followers not caught up for longer than <paramref name="maxLag"/> (<c>replica.lag.time.max.ms</c>): to be removed.</summary>
    public IReadOnlyList<int> LaggingReplicas(TimeSpan maxLag)
    {
        var now = _time.GetTimestamp();
        return [.. _isr.Where(r => r != _leader && _followers.TryGetValue(r, out var f)
            && (f.LastCaughtUp == long.MinValue || _time.GetElapsedTime(f.LastCaughtUp, now) > maxLag))];
    }

    /// <summary>An ISR change is being written to the controller's store; until it settles, the high watermark counts both.</summary>
    public void Propose(IReadOnlyList<int> isr)
    {
        ArgumentNullException.ThrowIfNull(isr);
        _pendingIsr = [.. isr];
    }

    /// <summary>The store accepted an ISR (the proposed one, or one the controller chose). Returns true if the high watermark moved.</summary>
    public bool Accept(IReadOnlyList<int> isr)
    {
        ArgumentNullException.ThrowIfNull(isr);
        _isr = [.. isr];
        _pendingIsr = null;
        return AdvanceHighWatermark();
    }

    /// <summary>The store refused the proposed change (another writer changed the state first).</summary>
    public void Refuse() => _pendingIsr = null;

    private bool AdvanceHighWatermark()
    {
        var candidate = _leaderLogEndOffset;
        foreach (var replica in _pendingIsr is null ? _isr : _isr.Union(_pendingIsr))
        {
            if (replica != _leader)
            {
                candidate = Math.Min(candidate, _followers.TryGetValue(replica, out var f) ? Math.Max(f.LogEndOffset, 0) : 0);
            }
        }

        if (candidate <= HighWatermark)
        {
            return false;
        }

        HighWatermark = candidate;
        return true;
    }

    private sealed class Follower
    {
        public long LogEndOffset { get; set; }

        public long LastCaughtUp { get; set; }

        public long LastFetch { get; set; }

        public long LeaderEndAtLastFetch { get; set; } = long.MaxValue;
    }
}
