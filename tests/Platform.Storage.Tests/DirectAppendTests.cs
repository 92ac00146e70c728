namespace Platform.Storage.Tests;

/// <summary>
/// <c>.log</c> files appended with O_DIRECT through a tail window: every byte reads back, whether from the
/// window or the file, while the window slides and while another file takes the window away; the block
/// padding on disk is cut when the file is sealed or closed, and recovery cuts what a crash leaves of it; what
/// the window slides off is read from the cache of recent data, within its budget, never after a truncation.
/// </summary>
public sealed class DirectAppendTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static byte At(long position) => (byte)((position * 131) ^ (position >> 9));

    private static byte[] Pattern(long from, int count)
    {
        var bytes = new byte[count];
        for (var i = 0; i < count; i++)
        {
            bytes[i] = At(from + i);
        }

        return bytes;
    }

    private static long DiskReadBytes(ISegmentFile file) => ((PhysicalSegmentFile)file).DiskReadBytes;

    private static void AppendPattern(ISegmentFile file, int count) => file.Append(Pattern(file.Length, count));

    private static void AssertReadsBack(ISegmentFile file, long position, int count)
    {
        var read = new byte[count];
        Assert.Equal(count, file.Read(position, read));
        Assert.Equal(Pattern(position, count), read);
    }

    [Fact]
    public void Append_ManySizesAcrossWindowSlides_EveryRangeReadsBack()
    {
        var fs = new PhysicalFileSystem(tailBytes: 16 * 1024, maxTails: 4);
        var path = Path.Combine(_dir.Path, "00000000000000000000.log");
        var random = new Random(13);
        using (var file = fs.Open(path, create: true))
        {
            for (var i = 0; i < 200; i++)
            {
                AppendPattern(file, i % 50 == 0 ? 40_000 : random.Next(1, 9_000));
                var length = file.Length;
                // The last bytes (the window), a range spanning its start, and one from the file far behind.
                AssertReadsBack(file, Math.Max(0, length - 100), (int)Math.Min(100, length));
                var from = random.NextInt64(0, length);
                AssertReadsBack(file, from, (int)Math.Min(length - from, 30_000));
                Assert.Equal(0, file.Read(length, new byte[10]));
            }

            // Padded to a block on disk once written: the writes went around the page cache.
            file.Flush();
            Assert.Equal(0, new FileInfo(path).Length % DirectAppendTail.BlockSize);
            Assert.True(new FileInfo(path).Length >= file.Length);
        }

        var bytes = File.ReadAllBytes(path);
        Assert.Equal(Pattern(0, bytes.Length), bytes);
    }

    [Fact]
    public async Task Append_Small_ReachesTheFileWithoutAFlushWithinTheWriteBehindDelay()
    {
        var path = Path.Combine(_dir.Path, "00000000000000000000.log");
        using var file = PhysicalFileSystem.Instance.Open(path, create: true);
        AppendPattern(file, 5_000);

        // Neither flushed nor sealed: the write-behind writes it (the test gives it far more than its delay).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (new FileInfo(path).Length < 5_000 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(PhysicalFileSystem.DefaultWriteBehindDelay);
        }

        Assert.Equal(Pattern(0, 5_000), ReadFileBytes(path, 5_000));
    }

    [Fact]
    public async Task Append_AfterTheWriteBehindThreadEndedIdle_StartsItAgainAndReachesTheFile()
    {
        var fs = new PhysicalFileSystem(tailBytes: 64 * 1024, maxTails: 4, writeBehindDelay: TimeSpan.FromMilliseconds(5)) { WriteBehindIdle = TimeSpan.FromMilliseconds(50) };
        var path = Path.Combine(_dir.Path, "00000000000000000000.log");
        using var file = fs.Open(path, create: true);
        for (var round = 1; round <= 3; round++)
        {
            AppendPattern(file, 3_000);
            await WaitUntilAsync(() => new FileInfo(path).Length >= 3_000 * round, $"round {round}'s append reached the file");
            Assert.Equal(Pattern(0, 3_000 * round), ReadFileBytes(path, 3_000 * round));

            // Idle past WriteBehindIdle: the thread ends, and the next append must start it again.
            await WaitUntilAsync(() => !fs.WriteBehindRunning, $"the write-behind thread ended after round {round}");
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting until {what}.");
            await Task.Delay(5);
        }
    }

    [Fact]
    public void Append_ManySmall_WritesWholeBlocksOnceTheWriteBehindAmountIsPending()
    {
        var path = Path.Combine(_dir.Path, "00000000000000000000.log");
        // No write-behind timer: only the appends can have written it.
        using var file = new PhysicalFileSystem(tailBytes: 1 << 20, maxTails: 4, writeBehindDelay: Timeout.InfiniteTimeSpan).Open(path, create: true);
        while (file.Length < DirectAppendTail.WriteBehindBytes + 3_000)
        {
            AppendPattern(file, 3_000);
        }

        // The appends themselves wrote the whole blocks: no flush, and no wait for the write-behind.
        var written = DirectAppendTail.WriteBehindBytes;
        Assert.True(new FileInfo(path).Length >= written);
        Assert.Equal(Pattern(0, written), ReadFileBytes(path, written));
    }

    [Fact]
    public async Task Append_TheWriteBehindAmount_HasTheWriteBehindWriteEverythingWithoutItsDelay()
    {
        var path = Path.Combine(_dir.Path, "00000000000000000000.log");
        // A delay no test waits out: only the amount can have had the write-behind write.
        using var file = new PhysicalFileSystem(tailBytes: 1 << 20, maxTails: 4, writeBehindDelay: TimeSpan.FromMinutes(10)).Open(path, create: true);
        while (file.Length < DirectAppendTail.WriteBehindBytes + 3_000)
        {
            AppendPattern(file, 3_000);
        }

        // The end's partial block too: the write-behind wrote it, not the appender, which would have left it pending.
        var length = (int)file.Length;
        Assert.NotEqual(0, length % DirectAppendTail.BlockSize);
        await WaitUntilAsync(() => new FileInfo(path).Length >= length && ReadFileBytes(path, length).AsSpan().SequenceEqual(Pattern(0, length)), "every appended byte reached the file");
    }

    [Fact]
    public async Task Append_WithTheCacheGrowing_TheWriteBehindKeepsSpareBuffersForTheHandOffs()
    {
        var path = Path.Combine(_dir.Path, "00000000000000000000.log");
        var fs = new PhysicalFileSystem(tailBytes: 64 * 1024, maxTails: 4, writeBehindDelay: TimeSpan.FromMilliseconds(1));
        using var file = fs.Open(path, create: true);
        AppendPattern(file, 1_000);
        await WaitUntilAsync(() => fs.FreeBuffers == PhysicalFileSystem.SpareBuffers, "the write-behind put spare buffers into the pool");

        // The hand-offs take the spares (the cache keeps what they slid off), and the write-behind puts new ones in.
        for (var i = 0; i < 20; i++)
        {
            AppendPattern(file, 16_000);
        }

        await WaitUntilAsync(() => fs.FreeBuffers == PhysicalFileSystem.SpareBuffers, "the write-behind replaced the spares the hand-offs took");
        AssertReadsBack(file, 0, (int)file.Length);
    }

    [Fact]
    public void Append_WhileTheWriteBehindWritesWithoutPause_EveryByteReachesTheFileAndReadsBack()
    {
        var path = Path.Combine(_dir.Path, "00000000000000000000.log");
        // No delay: the write-behind writes while the appends fill the window behind it and slide it.
        var fs = new PhysicalFileSystem(tailBytes: 64 * 1024, maxTails: 4, writeBehindDelay: TimeSpan.Zero);
        var random = new Random(17);
        using (var file = fs.Open(path, create: true))
        {
            for (var i = 0; i < 2_000; i++)
            {
                AppendPattern(file, i % 100 == 0 ? 50_000 : random.Next(1, 6_000));
                var length = file.Length;
                AssertReadsBack(file, Math.Max(0, length - 5_000), (int)Math.Min(5_000, length));
            }

            file.Flush();
            var flushed = (int)file.Length;
            Assert.Equal(Pattern(0, flushed), ReadFileBytes(path, flushed));
        }

        var bytes = File.ReadAllBytes(path);
        Assert.Equal(Pattern(0, bytes.Length), bytes);
    }

    [Fact]
    public void Append_PastAFullWindow_HandsOffWithoutWritingWhatIsPendingAndLosesNothing()
    {
        var path = Path.Combine(_dir.Path, "00000000000000000000.log");
        // No write-behind: only the amount (every 256 KiB) and the hand-off could write.
        using var file = new PhysicalFileSystem(tailBytes: 1 << 20, maxTails: 4, writeBehindDelay: Timeout.InfiniteTimeSpan).Open(path, create: true);
        // The amount has the appender write at 300,000, 600,000 and 900,000; the window ends at 1 MiB.
        foreach (var size in new[] { 200_000, 100_000, 300_000, 300_000, 100_000 })
        {
            AppendPattern(file, size);
        }

        var written = new FileInfo(path).Length;
        AppendPattern(file, 100_000);

        // The window slid to the cache; the blocks appended since the last amount went with the end into the new window,
        // unwritten (written at the hand-off, the file would hold everything up to the block of 1,000,000).
        Assert.True(file.Length > 1 << 20);
        Assert.Equal(written, new FileInfo(path).Length);
        AssertReadsBack(file, 0, (int)file.Length);

        file.Flush();
        var length = (int)file.Length;
        Assert.Equal(Pattern(0, length), ReadFileBytes(path, length));
    }

    [Fact]
    public void Read_LargeAfterItsNameWentToAnotherFile_ReadsThisFile()
    {
        var path = Path.Combine(_dir.Path, "00000000000000000000.log");
        // No cache of recent data: the read goes to the disk.
        using var file = new PhysicalFileSystem(tailBytes: 16 * 1024, maxTails: 4, cacheBytes: 0).Open(path, create: true);
        AppendPattern(file, 200_000);
        file.Flush();

        // What a compaction's SegmentList.Replace does: this file renamed away, its name given to the cleaned one,
        // while readers of the old segment list still read this file (a direct read opened by name read the other).
        File.Move(path, path + ".deleted");
        File.WriteAllBytes(path, new byte[200_000]);

        AssertReadsBack(file, 0, 150_000);
    }

    private static byte[] ReadFileBytes(string path, int count)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var bytes = new byte[count];
        stream.ReadExactly(bytes);
        return bytes;
    }

    [Fact]
    public void Read_LargeRangesAtUnalignedPositionsOfASealedFile_ComeBackExactly()
    {
        var fs = new PhysicalFileSystem(tailBytes: 64 * 1024, maxTails: 4);
        var path = Path.Combine(_dir.Path, "00000000000000000000.log");
        using var file = fs.Open(path, create: true);
        AppendPattern(file, 3_000_001);
        file.Seal();

        // Reads from 64 KiB up go around the page cache through an aligned buffer smaller than some of them.
        foreach (var (position, count) in new (long, int)[] { (0, 65_536), (1, 300_000), (4_095, 70_000), (2_999_000, 1_001), (2_900_000, 200_000), (123_457, 1_000_000) })
        {
            var read = new byte[count];
            var expected = (int)Math.Min(count, file.Length - position);
            Assert.Equal(expected, file.Read(position, read));
            Assert.Equal(Pattern(position, expected), read[..expected]);
        }
    }

    [Fact]
    public void Seal_AfterUnalignedAppends_FileOnDiskIsExactlyItsLength()
    {
        var path = Path.Combine(_dir.Path, "00000000000000000000.log");
        // Without reservations (DirectAppendReserveTests), the padding is all the flush adds.
        using var file = new PhysicalFileSystem(PhysicalFileSystem.DefaultTailBytes, PhysicalFileSystem.DefaultMaxTails, reserveBytes: 0).Open(path, create: true);
        AppendPattern(file, 5_000);
        file.Flush();
        Assert.Equal(2 * DirectAppendTail.BlockSize, new FileInfo(path).Length);

        file.Seal();

        Assert.Equal(5_000, new FileInfo(path).Length);
        AssertReadsBack(file, 0, 5_000);
        // Appending again after a seal (a truncated follower's segment) picks the tail up where it was.
        AppendPattern(file, 3_000);
        AssertReadsBack(file, 4_000, 4_000);
    }

    [Fact]
    public void Append_MoreFilesThanWindows_LeastRecentlyAppendedGivesItsWindowUp()
    {
        var fs = new PhysicalFileSystem(tailBytes: 8 * 1024, maxTails: 2);
        var paths = Enumerable.Range(0, 3).Select(i => Path.Combine(_dir.Path, $"{i:D20}.log")).ToArray();
        var files = paths.Select(p => fs.Open(p, create: true)).ToArray();
        try
        {
            for (var round = 0; round < 20; round++)
            {
                foreach (var file in files)
                {
                    AppendPattern(file, 1_000 + round);
                    AssertReadsBack(file, 0, (int)file.Length);
                }
            }

            // The first file gave its window to the third and was cut back to its length; the last two still append directly.
            Assert.Equal(files[0].Length, new FileInfo(paths[0]).Length);
            files[2].Flush();
            Assert.Equal(0, new FileInfo(paths[2]).Length % DirectAppendTail.BlockSize);
        }
        finally
        {
            foreach (var file in files)
            {
                file.Dispose();
            }
        }

        for (var i = 0; i < paths.Length; i++)
        {
            Assert.Equal(Pattern(0, (int)new FileInfo(paths[i]).Length), File.ReadAllBytes(paths[i]));
        }
    }

    [Fact]
    public async Task Read_WhileAppending_ReaderNeverSeesAByteItWasNotGiven()
    {
        var fs = new PhysicalFileSystem(tailBytes: 8 * 1024, maxTails: 4);
        using var file = fs.Open(Path.Combine(_dir.Path, "00000000000000000000.log"), create: true);
        using var done = new CancellationTokenSource();
        using var reading = new ManualResetEventSlim();
        var reader = Task.Run(() =>
        {
            var buffer = new byte[3_000];
            var reads = 0;
            while (!done.IsCancellationRequested || reads == 0)
            {
                reading.Set();
                var length = file.Length;
                var from = Math.Max(0, length - buffer.Length);
                // Only the bytes this reader saw appended: the file may have grown since it looked.
                var read = file.Read(from, buffer.AsSpan(0, (int)(length - from)));
                Assert.Equal(length - from, read);
                Assert.Equal(Pattern(from, read), buffer[..read]);
                reads++;
            }

            return reads;
        });

        // Appends begin while the reader reads, also the first ones, when the file is shorter than its buffer.
        reading.Wait();
        for (var i = 0; i < 2_000; i++)
        {
            AppendPattern(file, 700 + (i % 900));
        }

        await done.CancelAsync();
        Assert.True(await reader > 0);
    }

    [Fact]
    public void Read_BehindTheWindow_ServedFromTheCacheNotTheDisk()
    {
        var cached = new PhysicalFileSystem(tailBytes: 16 * 1024, maxTails: 4, cacheBytes: 1 << 20);
        var uncached = new PhysicalFileSystem(tailBytes: 16 * 1024, maxTails: 4, cacheBytes: 0);
        var diskReads = new Dictionary<PhysicalFileSystem, long>();
        foreach (var fs in new[] { cached, uncached })
        {
            using var file = fs.Open(Path.Combine(_dir.Path, $"{fs.GetHashCode():D20}.log"), create: true);
            for (var i = 0; i < 40; i++)
            {
                AppendPattern(file, 5_000);
            }

            // A consumer 200 KB behind the tail: far past the 16 KiB window.
            AssertReadsBack(file, 0, (int)file.Length);
            AssertReadsBack(file, 1, 150_000);
            Assert.Equal(fs == cached, fs.Cache?.Bytes > 0);
            diskReads[fs] = DiskReadBytes(file);
        }

        Assert.Equal(0, diskReads[cached]);
        // Closed: the file's chunks went back to the pool.
        Assert.Equal(0, cached.Cache!.Bytes);
        Assert.True(diskReads[uncached] >= 150_000 + 200_000 - (16 * 1024));
        Assert.Null(uncached.Cache);
    }

    [Fact]
    public void Append_PastTheCacheBudget_OldestChunksOfAnyFileGoFirst()
    {
        const int buffer = (16 * 1024) + DirectAppendTail.BlockSize;
        var fs = new PhysicalFileSystem(tailBytes: 16 * 1024, maxTails: 4, cacheBytes: 4 * buffer);
        using var first = fs.Open(Path.Combine(_dir.Path, "00000000000000000000.log"), create: true);
        using var second = fs.Open(Path.Combine(_dir.Path, "00000000000000000001.log"), create: true);
        for (var i = 0; i < 20; i++)
        {
            AppendPattern(first, 5_000);
        }

        // The first file's last 40 KB are in its window and newest chunks; its start was evicted.
        AssertReadsBack(first, first.Length - 40_000, 40_000);
        Assert.Equal(0, DiskReadBytes(first));
        AssertReadsBack(first, 0, 20_000);
        Assert.Equal(20_000, DiskReadBytes(first));

        // The second file's appends push the first file's chunks out: within the budget, every byte still right.
        for (var i = 0; i < 20; i++)
        {
            AppendPattern(second, 5_000);
        }

        Assert.True(fs.Cache!.Bytes <= 4 * buffer);
        var before = DiskReadBytes(first);
        AssertReadsBack(first, 0, (int)first.Length);
        Assert.True(DiskReadBytes(first) - before >= first.Length - (16 * 1024));
        AssertReadsBack(second, second.Length - 40_000, 40_000);
        Assert.Equal(0, DiskReadBytes(second));

        first.Dispose();
        second.Dispose();
        Assert.Equal(0, fs.Cache.Bytes);
    }

    [Fact]
    public void Truncate_InsideCachedChunks_ReadsNeverServeTheCutBytes()
    {
        var fs = new PhysicalFileSystem(tailBytes: 16 * 1024, maxTails: 4, cacheBytes: 1 << 20);
        using var file = fs.Open(Path.Combine(_dir.Path, "00000000000000000000.log"), create: true);
        for (var i = 0; i < 20; i++)
        {
            AppendPattern(file, 5_000);
        }

        // A follower cut back into what the cache holds, then given other bytes at the same positions.
        file.Truncate(50_001);
        var other = Pattern(50_001, 40_000).Select(b => (byte)~b).ToArray();
        file.Append(other);

        var read = new byte[90_001];
        Assert.Equal(read.Length, file.Read(0, read));
        Assert.Equal(Pattern(0, 50_001), read[..50_001]);
        Assert.Equal(other, read[50_001..]);
        Assert.Equal(0, DiskReadBytes(file));

        file.Truncate(0);
        Assert.Equal(0, fs.Cache!.Bytes);
    }

    [Fact]
    public async Task Read_BehindTheTailWhileAppendingAndEvicting_ReaderGetsExactlyTheFileBytes()
    {
        // A budget of three windows: chunks leave the cache (their buffers reused by the window) while the reader copies.
        var fs = new PhysicalFileSystem(tailBytes: 8 * 1024, maxTails: 4, cacheBytes: 3 * ((8 * 1024) + DirectAppendTail.BlockSize));
        using var file = fs.Open(Path.Combine(_dir.Path, "00000000000000000000.log"), create: true);
        using var done = new CancellationTokenSource();
        var reader = Task.Run(() =>
        {
            var buffer = new byte[70_000];
            var random = new Random(7);
            var reads = 0;
            while (!done.IsCancellationRequested || reads == 0)
            {
                var length = file.Length;
                var from = Math.Max(0, length - random.Next(1, 60_000));
                var count = (int)Math.Min(length - from, random.Next(1, buffer.Length));
                var read = file.Read(from, buffer.AsSpan(0, count));
                Assert.Equal(count, read);
                Assert.Equal(Pattern(from, read), buffer[..read]);
                reads++;
            }

            return reads;
        });

        for (var i = 0; i < 3_000; i++)
        {
            AppendPattern(file, 700 + (i % 900));
        }

        await done.CancelAsync();
        Assert.True(await reader > 0);
        Assert.True(fs.Cache!.Bytes <= 3 * ((8 * 1024) + DirectAppendTail.BlockSize));
    }

    [Fact]
    public void Open_CopyOfALogWhileAppending_RecoveryCutsTheZeroPaddingAndAppendsGoOn()
    {
        var directory = _dir.Partition();
        using var log = LogTestExtensions.OpenLog(directory);
        for (var i = 0; i < 10; i++)
        {
            log.Append(TestBatches.Create(records: 3, valueSize: 77), 0);
        }

        log.Flush();
        var segment = Path.Combine(directory, "00000000000000000000.log");
        Assert.True(new FileInfo(segment).Length > log.Size);

        // What a crash leaves: the files as they are while the log is open, padding and all.
        var copy = _dir.Partition("copy");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(directory))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        using var reopened = LogTestExtensions.OpenLog(copy);
        Assert.Equal(30, reopened.LogEndOffset);
        Assert.Equal(log.ReadAll(), reopened.ReadAll());
        reopened.Append(TestBatches.Create(records: 2), 0);
        Assert.Equal(32, reopened.LogEndOffset);
        Assert.Equal(11, reopened.ReadAll().Count);
    }

    [Fact]
    public void Append_PastTheWindowWithAPartialBlockPending_WritesOnlyWholeBlocksAndKeepsThePartialOnePending()
    {
        var path = Path.Combine(_dir.Path, "00000000000000000000.log");
        using var file = new PhysicalFileSystem(tailBytes: 16 * 1024, maxTails: 4, writeBehindDelay: Timeout.InfiniteTimeSpan).Open(path, create: true);
        AppendPattern(file, 5_000);
        Assert.Equal(0, new FileInfo(path).Length);

        // The window slides: its first block goes to the file; the one holding byte 5,000 stays in the window, written once later with what follows.
        AppendPattern(file, 14_000);
        Assert.Equal(DirectAppendTail.BlockSize, new FileInfo(path).Length);
        AssertReadsBack(file, 0, (int)file.Length);

        file.Flush();
        Assert.Equal(Pattern(0, (int)file.Length), ReadFileBytes(path, (int)file.Length));
    }

    [Fact]
    public void Append_MoreFilesInTurnThanWindows_TheOneThatGaveItsWindowUpAppendsBufferedUntilQuiet()
    {
        var fs = new PhysicalFileSystem(tailBytes: 8 * 1024, maxTails: 2, writeBehindDelay: Timeout.InfiniteTimeSpan);
        var paths = Enumerable.Range(0, 3).Select(i => Path.Combine(_dir.Path, $"{i:D20}.log")).ToArray();
        var files = paths.Select(p => fs.Open(p, create: true)).ToArray();
        try
        {
            foreach (var file in files)
            {
                AppendPattern(file, 1_000);
            }

            // The first file gave its window to the third: appended in turn, it neither takes one back (evicting the
            // second) nor leaves its appends pending, each one is in the file, exactly, as it returns.
            for (var round = 0; round < 10; round++)
            {
                foreach (var file in files)
                {
                    AppendPattern(file, 1_000 + round);
                    if (file == files[0])
                    {
                        Assert.Equal(files[0].Length, new FileInfo(paths[0]).Length);
                    }
                }

                Assert.NotEqual(files[1].Length, new FileInfo(paths[1]).Length);
                Assert.NotEqual(files[2].Length, new FileInfo(paths[2]).Length);
            }

            // Quiet for a while, it takes a window again at its next append.
            Thread.Sleep(PhysicalSegmentFile.WindowlessQuietMs + 100);
            AppendPattern(files[0], 1_000);
            Assert.NotEqual(files[0].Length, new FileInfo(paths[0]).Length);
            foreach (var file in files)
            {
                AssertReadsBack(file, 0, (int)file.Length);
            }
        }
        finally
        {
            foreach (var file in files)
            {
                file.Dispose();
            }
        }

        foreach (var path in paths)
        {
            Assert.Equal(Pattern(0, (int)new FileInfo(path).Length), File.ReadAllBytes(path));
        }
    }

    [Fact]
    public async Task WriteBehind_Fails_ReportedAtOnceAndTheUnwrittenAppendsAreNeverServed()
    {
        var fs = new PhysicalFileSystem(tailBytes: 16 * 1024, maxTails: 4, writeBehindDelay: TimeSpan.FromMilliseconds(300));
        var failed = new TaskCompletionSource<(string Path, Exception Error)>(TaskCreationOptions.RunContinuationsAsynchronously);
        fs.BackgroundWriteFailed += (path, error) => failed.TrySetResult((path, error));
        var path = Path.Combine(_dir.Path, "00000000000000000000.log");
        var file = fs.Open(path, create: true);
        AppendPattern(file, 5_000);
        using (BreakDirectWrites(path))
        {
            // The first append's write-behind may have run before the break (a loaded machine can pause longer than
            // its delay): this one's runs after it. It throws if the first one's already failed (reported just after).
            try
            {
                AppendPattern(file, 100);
            }
            catch (IOException)
            {
            }

            var (failedPath, error) = await failed.Task.WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Equal(path, failedPath);
            Assert.IsType<IOException>(error);
            Assert.Throws<IOException>(() => file.Read(0, new byte[100]));
            Assert.Throws<IOException>(() => AppendPattern(file, 100));
            Assert.Throws<IOException>(file.Flush);
            // Closing tries the write once more, and says it failed rather than cut the file back past what it holds.
            Assert.True(Record.Exception(file.Dispose) is IOException or UnauthorizedAccessException);
        }
    }

    [Fact]
    public void Read_ColdDataInFetchSizedPieces_OneDiskReadServesTheFollowingPiecesFromMemory()
    {
        var path = Path.Combine(_dir.Path, "00000000000000000000.log");
        const int size = 3 * (1 << 20) + 5_000;
        File.WriteAllBytes(path, Pattern(0, size));
        // Opened afresh: nothing of it in a window or the cache, as after a restart or once the cache moved on.
        var fs = new PhysicalFileSystem(tailBytes: 1 << 20, maxTails: 4, cacheBytes: 8 << 20);
        using var file = fs.Open(path, create: false);
        const int piece = 256 * 1024;
        for (var position = 3_000L; position < (1 << 20) - piece; position += piece)
        {
            AssertReadsBack(file, position, piece);
        }

        // The first piece's disk read brought the rest of the megabyte along.
        Assert.Equal(piece, DiskReadBytes(file));
        for (var position = (1L << 20) - piece; position < size; position += piece)
        {
            AssertReadsBack(file, position, (int)Math.Min(piece, size - position));
        }

        // One read-ahead kept per file; a truncation drops it, and bytes appended in its place read back instead.
        Assert.True(fs.Cache!.Bytes <= (1 << 20) + DirectAppendTail.BlockSize);
        file.Truncate(size - 100_000);
        var other = Pattern(size - 100_000, 50_000).Select(b => (byte)~b).ToArray();
        file.Append(other);
        var read = new byte[150_000];
        Assert.Equal(150_000, file.Read(size - 200_000, read));
        Assert.Equal(Pattern(size - 200_000, 100_000), read[..100_000]);
        Assert.Equal(other, read[100_000..]);
    }

    [Fact]
    public void OpenDirect_FailsForAnotherReasonThanNoDirectIo_ThrowsRatherThanGivingDirectIoUp()
    {
        var missing = Path.Combine(_dir.Path, "missing.log");
        var error = Assert.Throws<IOException>(() => NativeMethods.OpenDirect(missing, missing));
        Assert.Contains("missing.log", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Makes writes through the file's O_DIRECT descriptor fail (EBADF), as a failing disk would: the descriptor is
    /// replaced (dup2) by a read-only one of the same file. Disposing the result closes that read-only one.
    /// </summary>
    internal static IDisposable BreakDirectWrites(string path)
    {
        const int oDirect = 0x4000;
        var readOnly = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        foreach (var fd in Directory.GetFiles("/proc/self/fd").Select(f => int.Parse(Path.GetFileName(f), System.Globalization.CultureInfo.InvariantCulture)))
        {
            string? target;
            string flags;
            try
            {
                target = new FileInfo($"/proc/self/fd/{fd}").LinkTarget;
                flags = File.ReadAllLines($"/proc/self/fdinfo/{fd}").First(l => l.StartsWith("flags:", StringComparison.Ordinal))[6..].Trim();
            }
            catch (IOException)
            {
                continue;
            }

            if (target == path && (Convert.ToInt32(flags, 8) & oDirect) != 0)
            {
                Assert.True(Dup2((int)readOnly.DangerousGetHandle(), fd) >= 0);
                return readOnly;
            }
        }

        readOnly.Dispose();
        throw new InvalidOperationException($"No O_DIRECT descriptor of {path} is open.");
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static extern int Dup2(int oldFd, int newFd);
}
