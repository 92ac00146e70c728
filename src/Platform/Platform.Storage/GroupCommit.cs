namespace Platform.Storage;

/// <summary>
/// Group commit of one partition for write.caching=false: one flusher at a time syncs the log up to its
/// end as it is at the start of each round, then completes every waiter at or below the synced offset
/// (and the log moves its high watermark there). Whoever arrives during a round is covered by the next
/// one, so one fsync serves every producer waiting on the partition, and no request-handling thread ever
/// blocks on a disk. Each partition has its own flusher on the thread pool, so the fsyncs of different
/// partitions overlap.
/// A round starts at once when someone waits for it: an acks=all producer or coordinator write
/// (<see cref="WaitAsync"/>), or a consumer reading at the high watermark (<see cref="ReaderAtTail"/>).
/// Appends no one waits for (acks=0/1, no consumer at the tail) only make the records readable, so their
/// rounds are coalesced, like Redpanda's flush delay and pending flush bytes: a round starts once
/// <see cref="DeferredBytes"/> are unsynced or <see cref="DeferredDelay"/> after the first of them.
/// An fsync per append would cost a journal commit each and keep a pool thread blocked per partition
/// (measured: 0.71-0.77M instead of 1.05-1.10M records/s for `perf produce`).
/// The flusher completes the waiters a round covered itself, so their continuations (the Produce answers)
/// run on it rather than each taking a hop through the thread pool, and whoever arrives while they run
/// joins the next round: the next fsync starts once the answers are on their way, covering more requests.
/// Waiters of a failed log are completed on the pool, never on the thread that failed it (which may hold
/// the log's locks).
/// A round also waits, up to <see cref="GatherDelay"/>, until as many waiters are there as the previous
/// round answered or left waiting: producers with one request in flight answer, then send their next request together,
/// and a round started at the first of them would leave the others to the round after it. Without the
/// wait, each producer's requests alternate between every other round (half the producers per fsync,
/// each waiting for two); with it, each round takes all of them, for one fsync and the producers'
/// turnaround. A producer that does not come back costs one wait, after which the next round expects fewer.
/// </summary>
internal sealed class GroupCommit
{
    /// <summary>
    /// Unsynced bytes that start a deferred round. Each round costs a thread pool hop, a write of the direct
    /// tail's last partial block and the fsync's metadata write, whatever it covers: at 1 MiB a kcat stream
    /// into 4 partitions (~0.7 MB requests) took 428 rounds per 5M records, 7% of the broker's CPU; at 4 MiB
    /// (the 50 ms delay then starts many of them) 230 and 4.6%.
    /// </summary>
    internal const int DeferredBytes = 4 << 20;

    /// <summary>The longest a deferred round waits after the first unsynced append.</summary>
    internal static readonly TimeSpan DeferredDelay = TimeSpan.FromMilliseconds(50);

    /// <summary>The longest a round waits for the waiters the previous round answered to come back (the shortest wait the runtime's timers give).</summary>
    internal static readonly TimeSpan GatherDelay = TimeSpan.FromMilliseconds(1);

    /// <summary>How long a read at the high watermark counts as a consumer waiting at the tail (a long-poll Fetch waits up to 500 ms by default).</summary>
    private static readonly TimeSpan TailReaderWindow = TimeSpan.FromSeconds(1);

    private readonly LogFlusher _flusher;
    private readonly LogOffsets _offsets;
    private readonly Lock _lock = new();
    private readonly List<(long Offset, TaskCompletionSource Done)> _waiters = [];
    private readonly TimeProvider _time;
    private readonly ITimer _deferredTimer;
    // Spins before it blocks (the default). Its yields were 3.8% of the broker's CPU under kcat's acks=all stream, but
    // without the spin `platform perf produce` acks=all (requests of 4 partitions, 5 in flight) fell from a median of
    // 415k to 321k records/s and its broker CPU rose from 0.39 to 0.44 s per million records (8 runs each, load 20-40).
    private readonly ManualResetEventSlim _gathered = new();
    private long _deferredBytes;
    private bool _timerArmed;

    /// <summary>The timestamp of the last read at the high watermark, or 0 for none yet.</summary>
    private long _tailRead;

    /// <summary>Waiters the last round answered or left waiting: how many the next one waits for (see <see cref="GatherDelay"/>).</summary>
    private int _expected;
    private bool _gathering;
    private bool _requested;
    private bool _running;
    private Exception? _failure;

    public GroupCommit(LogFlusher flusher, LogOffsets offsets, TimeProvider time)
    {
        _flusher = flusher;
        _offsets = offsets;
        _time = time;
        _deferredTimer = time.CreateTimer(static state => ((GroupCommit)state!).OnDeferredDue(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Completes once every offset below <paramref name="endOffset"/> is fsynced; faults if the log goes offline or closes first.</summary>
    public Task WaitAsync(long endOffset)
    {
        lock (_lock)
        {
            if (_flusher.DurableOffset >= endOffset)
            {
                return Task.CompletedTask;
            }

            if (_failure is not null)
            {
                return Task.FromException(Failure(_failure));
            }

            // Continuations run on the thread that completes it: the flusher (see the summary).
            var done = new TaskCompletionSource();
            _waiters.Add((endOffset, done));
            RequestLocked();
            if (_gathering && _waiters.Count >= _expected)
            {
                _gathered.Set();
            }

            return done.Task;
        }
    }

    /// <summary>
    /// An append of <paramref name="bytes"/> no one waits for yet (write.caching=false): its records become
    /// readable with a round that starts at once if a consumer reads at the tail, else once enough is
    /// unsynced or after <see cref="DeferredDelay"/>.
    /// </summary>
    public void Appended(int bytes)
    {
        var tailRead = Volatile.Read(ref _tailRead);
        var readerAtTail = tailRead != 0 && _time.GetElapsedTime(tailRead) < TailReaderWindow;
        lock (_lock)
        {
            if (_failure is not null)
            {
                return;
            }

            _deferredBytes += bytes;
            if (readerAtTail || _deferredBytes >= DeferredBytes)
            {
                RequestLocked();
            }
            else if (!_timerArmed)
            {
                _timerArmed = true;
                _deferredTimer.Change(DeferredDelay, Timeout.InfiniteTimeSpan);
            }
        }
    }

    /// <summary>
    /// A consumer read at the high watermark: for the next <see cref="TailReaderWindow"/> every append
    /// starts a round at once, and records already appended but not yet readable get one now.
    /// </summary>
    public void ReaderAtTail()
    {
        Volatile.Write(ref _tailRead, Math.Max(1, _time.GetTimestamp()));
        if (_offsets.End > _flusher.DurableOffset)
        {
            lock (_lock)
            {
                if (_failure is null)
                {
                    RequestLocked();
                }
            }
        }
    }

    /// <summary>
    /// No more rounds (the log went offline or closed): waiters already covered by a sync succeed, the
    /// others fail with <paramref name="failure"/>.
    /// </summary>
    public void Fail(Exception failure)
    {
        List<(long Offset, TaskCompletionSource Done)> waiters;
        lock (_lock)
        {
            _failure ??= failure;
            waiters = [.. _waiters];
            _waiters.Clear();
            _deferredTimer.Dispose();
            _gathered.Set();
        }

        if (waiters.Count == 0)
        {
            return;
        }

        var durable = _flusher.DurableOffset;
        ThreadPool.UnsafeQueueUserWorkItem(
            _ =>
            {
                foreach (var (offset, done) in waiters)
                {
                    if (offset <= durable)
                    {
                        done.TrySetResult();
                    }
                    else
                    {
                        done.TrySetException(Failure(failure));
                    }
                }
            },
            null);
    }

    private static Exception Failure(Exception failure)
        => failure is StorageException storage ? new StorageException(storage.Message, storage.InnerException) : failure;

    private void OnDeferredDue()
    {
        lock (_lock)
        {
            _timerArmed = false;
            if (_failure is null && _offsets.End > _flusher.DurableOffset)
            {
                RequestLocked();
            }
        }
    }

    private void RequestLocked()
    {
        _requested = true;
        if (!_running)
        {
            _running = true;
            ThreadPool.UnsafeQueueUserWorkItem(static commit => commit.Run(), this, preferLocal: false);
        }
    }

    private void Run()
    {
        var gather = false;
        while (true)
        {
            lock (_lock)
            {
                if (!_requested || _failure is not null)
                {
                    _running = false;
                    return;
                }

                gather = _expected > 1 && _waiters.Count < _expected;
                if (gather)
                {
                    _gathering = true;
                    _gathered.Reset();
                }
            }

            if (gather)
            {
                _gathered.Wait(GatherDelay);
            }

            lock (_lock)
            {
                _gathering = false;
                _requested = false;
                _deferredBytes = 0;
            }

            Exception? error = null;
            try
            {
                _flusher.SyncData(_offsets.End);
            }
            catch (Exception e)
            {
                // Offline (StorageException) or closed (ObjectDisposedException): the log has failed the
                // waiters through Fail already, or does when it closes; nothing more to sync.
                error = e;
            }

            CompleteCovered(error);
        }
    }

    private void CompleteCovered(Exception? error)
    {
        List<TaskCompletionSource>? done = null;
        List<TaskCompletionSource>? failed = null;
        var durable = _flusher.DurableOffset;
        lock (_lock)
        {
            // In arrival order (completed newest first, below).
            _waiters.RemoveAll(entry =>
            {
                if (entry.Offset <= durable)
                {
                    (done ??= []).Add(entry.Done);
                    return true;
                }

                if (error is not null)
                {
                    (failed ??= []).Add(entry.Done);
                    return true;
                }

                return false;
            });
            // Those answered and those still waiting: the producers the next round can expect.
            _expected = (done?.Count ?? 0) + _waiters.Count;
        }

        // Newest first: a connection's answers are written in order, so the older ones' continuations, run last, find
        // the newer ones already answered behind them and write them all in one send (FrameWriter) rather than each
        // writing its own while the next is not yet completed.
        for (var i = (done?.Count ?? 0) - 1; i >= 0; i--)
        {
            done![i].TrySetResult();
        }

        if (done is not null)
        {
            StorageMetrics.DurableWaits.Add(done.Count);
        }

        foreach (var waiter in failed ?? [])
        {
            waiter.TrySetException(Failure(error!));
        }
    }
}
