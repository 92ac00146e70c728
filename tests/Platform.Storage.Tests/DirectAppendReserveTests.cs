namespace Platform.Storage.Tests;

/// <summary>
/// A <c>.log</c> file with a tail window that is synced often is zero-filled ahead of its end (so its syncs write
/// no inode): the zeros are never part of its length, its reads or its sealed file, appends over them always win
/// over them, and a crash that leaves them is recovered like any torn tail.
/// </summary>
public sealed class DirectAppendReserveTests : IDisposable
{
    private const int Reserve = 64 * 1024;

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static byte At(long position) => (byte)((position * 131) ^ (position >> 9) ^ 1);

    private static byte[] Pattern(long from, int count)
    {
        var bytes = new byte[count];
        for (var i = 0; i < count; i++)
        {
            bytes[i] = At(from + i);
        }

        return bytes;
    }

    private static void AppendPattern(ISegmentFile file, int count) => file.Append(Pattern(file.Length, count));

    private static long OnDisk(string path) => new FileInfo(path).Length;

    [Fact]
    public async Task Flush_ZeroFillsAheadOfTheEnd_LengthReadsAndSealedFileStayTheData()
    {
        var fs = new PhysicalFileSystem(tailBytes: 16 * 1024, maxTails: 4, reserveBytes: Reserve);
        var path = Path.Combine(_dir.Path, "00000000000000000000.log");
        using var file = fs.Open(path, create: true);
        AppendPattern(file, 5_000);
        file.Flush();

        Assert.True(await LogTestExtensions.Eventually(() => OnDisk(path) >= 5_000 + Reserve), $"{OnDisk(path)} bytes on disk, no reservation");
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(Pattern(0, 5_000), bytes[..5_000]);
        Assert.All(bytes[5_000..], b => Assert.Equal(0, b));
        Assert.Equal(5_000, file.Length);
        Assert.Equal(0, file.Read(5_000, new byte[100]));

        file.Seal();

        Assert.Equal(5_000, OnDisk(path));
        Assert.Equal(Pattern(0, 5_000), File.ReadAllBytes(path));
    }

    [Fact]
    public async Task Flush_QuietFileReservesLittle_ABusyOneUpToTheFullReservation()
    {
        var fs = new PhysicalFileSystem(tailBytes: 64 * 1024, maxTails: 4, reserveBytes: 1 << 20);
        var path = Path.Combine(_dir.Path, "00000000000000000000.log");
        using var file = fs.Open(path, create: true);
        AppendPattern(file, 5_000);
        file.Flush();
        Assert.True(await LogTestExtensions.Eventually(() => OnDisk(path) > 5_000 + DirectAppendTail.BlockSize));
        Assert.True(OnDisk(path) - file.Length < DirectAppendTail.ReserveLeadBytes + (2 * DirectAppendTail.FirstReserveBytes), $"{OnDisk(path)} bytes on disk for {file.Length}");

        // Each reservation doubles the last, up to the full one.
        while (file.Length < 8 << 20)
        {
            AppendPattern(file, 16 * 1024);
            file.Flush();
        }

        Assert.True(await LogTestExtensions.Eventually(() => OnDisk(path) - file.Length > 512 * 1024), $"{OnDisk(path)} bytes on disk for {file.Length}");
        Assert.True(OnDisk(path) - file.Length <= 2 << 20, $"{OnDisk(path)} bytes on disk for {file.Length}");
    }

    [Fact]
    public async Task Flush_SyncsMegabytesApart_ReserveNothing()
    {
        var fs = new PhysicalFileSystem(tailBytes: 64 * 1024, maxTails: 4, reserveBytes: Reserve);
        var path = Path.Combine(_dir.Path, "00000000000000000000.log");
        using var file = fs.Open(path, create: true);
        for (var i = 0; i < 3; i++)
        {
            AppendPattern(file, DirectAppendTail.ReserveSyncBytes + 5_000);
            file.Flush();
        }

        // A reservation would be on its way by now (the one of a sync a few kilobytes after the last is: see the test above).
        await Task.Delay(300);
        Assert.Equal((file.Length + DirectAppendTail.BlockSize - 1) / DirectAppendTail.BlockSize * DirectAppendTail.BlockSize, OnDisk(path));
        AppendPattern(file, 5_000);
        file.Flush();
        Assert.True(await LogTestExtensions.Eventually(() => OnDisk(path) >= file.Length + Reserve), $"{OnDisk(path)} bytes on disk for {file.Length}");
    }

    [Fact]
    public void Flush_AfterEveryAppendAcrossManyReservations_FileHoldsExactlyTheAppendedBytes()
    {
        // Reservations of two blocks, started a block ahead: appends keep running into the one being written,
        // so an append's write that did not wait for the zeros would be wiped by them.
        var fs = new PhysicalFileSystem(tailBytes: 16 * 1024, maxTails: 4, writeBehindDelay: Timeout.InfiniteTimeSpan, reserveBytes: 2 * DirectAppendTail.BlockSize);
        var path = Path.Combine(_dir.Path, "00000000000000000000.log");
        var random = new Random(14);
        using (var file = fs.Open(path, create: true))
        {
            while (file.Length < 3 << 20)
            {
                AppendPattern(file, random.Next(1, 20_000));
                file.Flush();
            }

            var length = (int)file.Length;
            var read = new byte[length];
            Assert.Equal(length, file.Read(0, read));
            Assert.Equal(Pattern(0, length), read);
            file.Seal();
        }

        Assert.Equal(Pattern(0, (int)OnDisk(path)), File.ReadAllBytes(path));
    }

    [Fact]
    public async Task Open_CrashedWithReservedZerosPastTheEnd_RecoversToTheLastBatchAndAppendsGoOn()
    {
        var fs = new PhysicalFileSystem(tailBytes: 64 * 1024, maxTails: 4, reserveBytes: Reserve);
        var directory = _dir.Partition();
        using var log = LogTestExtensions.OpenLog(directory, fs: fs);
        for (var i = 0; i < 10; i++)
        {
            log.Append(TestBatches.Create(records: 3, valueSize: 77), 0);
        }

        log.Flush();
        var segment = Path.Combine(directory, "00000000000000000000.log");
        Assert.True(await LogTestExtensions.Eventually(() => OnDisk(segment) >= log.Size + Reserve), $"{OnDisk(segment)} bytes on disk for {log.Size}");
        Assert.Equal(0, OnDisk(segment) % DirectAppendTail.BlockSize);

        // What a crash leaves: the files as they are while the log is open, zeros and all.
        var copy = _dir.Partition("copy");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(directory))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        var copied = Path.Combine(copy, "00000000000000000000.log");
        using (var reopened = LogTestExtensions.OpenLog(copy, fs: fs))
        {
            Assert.Equal(30, reopened.LogEndOffset);
            Assert.Equal(log.Size, reopened.Size);
            Assert.Equal(log.ReadAll(), reopened.ReadAll());
            reopened.Append(TestBatches.Create(records: 2), 0);
            reopened.Flush();
            Assert.Equal(32, reopened.LogEndOffset);
            Assert.Equal(11, reopened.ReadAll().Count);
        }

        // Closed: only the batches are left on disk.
        using var again = LogTestExtensions.OpenLog(copy, fs: fs);
        Assert.Equal(again.Size, new FileInfo(copied).Length);
        Assert.Equal(32, again.LogEndOffset);
        Assert.Equal(11, again.ReadAll().Count);
    }
}
