using Microsoft.Extensions.Logging.Abstractions;
using Platform.Protocol;

namespace Platform.Storage.Tests;

/// <summary>A temp directory per test, removed afterwards.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "platform-storage-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Partition(string topic = "topic", int partition = 0) => System.IO.Path.Combine(Path, $"{topic}-{partition}");

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>
/// A wall clock tests move by hand. With <paramref name="manualTimers"/> its timestamps and timers move only
/// with <see cref="Advance"/> too, so a test decides exactly when a delay has passed; without, they run in
/// real time (what most tests want from background work such as deferred fsyncs).
/// </summary>
internal sealed class ManualTimeProvider(long startMs = 1_700_000_000_000, bool manualTimers = false) : TimeProvider
{
    private readonly List<ManualTimer> _timers = [];
    private long _nowMs = startMs;

    public long NowMs => Interlocked.Read(ref _nowMs);

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(NowMs);

    public override long TimestampFrequency => manualTimers ? 1_000 : base.TimestampFrequency;

    public override long GetTimestamp() => manualTimers ? NowMs : base.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (!manualTimers)
        {
            return base.CreateTimer(callback, state, dueTime, period);
        }

        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves the clock and fires the manual timers that fall due, on the calling thread.</summary>
    public void Advance(long ms)
    {
        Interlocked.Add(ref _nowMs, ms);
        List<ManualTimer> due;
        lock (_timers)
        {
            due = [.. _timers.Where(t => t.DueMs <= NowMs)];
        }

        foreach (var timer in due)
        {
            timer.Fire();
        }
    }

    private sealed class ManualTimer(ManualTimeProvider clock, TimerCallback callback, object? state) : ITimer
    {
        public long DueMs { get; private set; } = long.MaxValue;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock._timers)
            {
                clock._timers.Remove(this);
                if (dueTime != Timeout.InfiniteTimeSpan)
                {
                    DueMs = clock.NowMs + (long)dueTime.TotalMilliseconds;
                    clock._timers.Add(this);
                }
            }

            return true;
        }

        public void Fire()
        {
            lock (clock._timers)
            {
                if (!clock._timers.Remove(this))
                {
                    return;
                }
            }

            callback(state);
        }

        public void Dispose() => Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

internal static class LogTestExtensions
{
    /// <summary>
    /// A topic config over Kafka's defaults. write.caching is true unless given: most tests read what they
    /// appended at once, which with write.caching=false waits for a background fsync (DurableAckTests cover that mode).
    /// </summary>
    public static LogConfig Config(params (string Key, string Value)[] overrides)
    {
        var values = overrides.ToDictionary(o => o.Key, o => o.Value);
        values.TryAdd(LogConfig.WriteCachingConfig, "true");
        return LogConfig.Parse(values);
    }

    /// <summary>Polls <paramref name="condition"/> until it holds (true) or 30 s pass (false).</summary>
    public static async Task<bool> Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(10);
        }

        return true;
    }

    public static PartitionLog OpenLog(string directory, LogConfig? config = null, IStorageFileSystem? fs = null, TimeProvider? time = null)
        => PartitionLog.Open(directory, config ?? Config(), fs ?? PhysicalFileSystem.Instance, NullLogger.Instance, time ?? new ManualTimeProvider());

    public static byte[] ReadBytes(this Records records)
    {
        var bytes = new byte[records.SizeInBytes];
        records.CopyTo(bytes);
        return bytes;
    }

    /// <summary>Reads every batch from <paramref name="from"/> to the log end.</summary>
    public static List<byte[]> ReadAll(this PartitionLog log, long from = -1)
    {
        var batches = new List<byte[]>();
        var offset = from < 0 ? log.LogStartOffset : from;
        while (offset < log.LogEndOffset)
        {
            var read = log.Read(offset, 1 << 20);
            var split = TestBatches.Split(read.Records.ReadBytes());
            if (split.Count == 0)
            {
                break;
            }

            batches.AddRange(split);
            offset = Platform.Protocol.RecordFormat.RecordBatchHeader.LastOffset(split[^1]) + 1;
        }

        return batches;
    }
}
