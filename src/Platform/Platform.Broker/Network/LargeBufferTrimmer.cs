namespace Platform.Broker.Network;

/// <summary>
/// Gives the memory of large request buffers back to the operating system. Buffers over 1 MiB are
/// not pooled, but the garbage collector returns freed heap to the OS only when it runs, and an idle
/// broker allocates nothing that would make it run: after four 99 MiB requests the process kept
/// ~450 MB resident. Once at least <see cref="Threshold"/> of large buffers has been dropped, one
/// aggressive collection is scheduled a moment later (at most one per <see cref="Delay"/>).
/// </summary>
internal static class LargeBufferTrimmer
{
    private const long Threshold = 64L * 1024 * 1024;
    private static readonly TimeSpan Delay = TimeSpan.FromSeconds(2);
    private static long _dropped;
    private static int _scheduled;

    /// <summary>Counts a dropped buffer of <paramref name="bytes"/>; schedules the collection when enough piled up.</summary>
    public static void Dropped(int bytes)
    {
        if (bytes <= Protocol.FrameBuffers.PoolLimit || Interlocked.Add(ref _dropped, bytes) < Threshold)
        {
            return;
        }

        if (Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0)
        {
            _ = Task.Delay(Delay).ContinueWith(_ => Trim(), TaskScheduler.Default);
        }
    }

    private static void Trim()
    {
        Interlocked.Exchange(ref _dropped, 0);
        // Aggressive: a full, compacting collection that also decommits the freed regions.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        Volatile.Write(ref _scheduled, 0);
    }
}
