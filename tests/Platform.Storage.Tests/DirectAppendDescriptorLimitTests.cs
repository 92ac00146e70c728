using System.Runtime.InteropServices;

namespace Platform.Storage.Tests;

/// <summary>Tests that lower the process's open-file limit run alone, so no other test meets the limit.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DescriptorLimitCollection
{
    public const string Name = "Descriptor limit";
}

/// <summary>
/// A file whose tail window cannot be opened because the process is out of descriptors appends through the page
/// cache (which needs none) instead of failing the append, and takes a window again once it has been quiet.
/// </summary>
[Collection(DescriptorLimitCollection.Name)]
public sealed class DirectAppendDescriptorLimitTests : IDisposable
{
    private const int RlimitNofile = 7;

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Append_OutOfDescriptorsForTheWindow_AppendsBufferedAndTakesAWindowOnceQuiet()
    {
        var fs = new PhysicalFileSystem(tailBytes: 16 * 1024, maxTails: 4, writeBehindDelay: Timeout.InfiniteTimeSpan);
        var path = Path.Combine(_dir.Path, "00000000000000000000.log");
        var data = Enumerable.Range(0, 3_000).Select(i => (byte)(i * 7)).ToArray();
        using var file = fs.Open(path, create: true);

        using (ExhaustDescriptors())
        {
            file.Append(data.AsSpan(0, 1_000));
            // Buffered: in the file as the append returns (a window's append waits for the write-behind).
            Assert.Equal(1_000, new FileInfo(path).Length);
        }

        file.Append(data.AsSpan(1_000, 1_000));
        Assert.Equal(2_000, new FileInfo(path).Length);

        Thread.Sleep(PhysicalSegmentFile.WindowlessQuietMs + 100);
        file.Append(data.AsSpan(2_000, 1_000));
        Assert.Equal(2_000, new FileInfo(path).Length);

        var read = new byte[3_000];
        Assert.Equal(3_000, file.Read(0, read));
        Assert.Equal(data, read);
    }

    /// <summary>Lowers the soft open-file limit to the descriptors open now and fills every free number below it.</summary>
    private static IDisposable ExhaustDescriptors()
    {
        Assert.Equal(0, GetRlimit(RlimitNofile, out var original));
        var highest = Directory.GetFiles("/proc/self/fd").Max(f => int.Parse(Path.GetFileName(f), System.Globalization.CultureInfo.InvariantCulture));
        var lowered = original with { Current = (ulong)highest + 1 };
        Assert.Equal(0, SetRlimit(RlimitNofile, in lowered));
        var fillers = new List<FileStream>();
        try
        {
            while (true)
            {
                fillers.Add(new FileStream("/dev/null", FileMode.Open, FileAccess.Read));
            }
        }
        catch (IOException)
        {
            // Every number below the limit is taken.
        }

        return new Restore(original, fillers);
    }

    private sealed class Restore(Rlimit original, List<FileStream> fillers) : IDisposable
    {
        public void Dispose()
        {
            _ = SetRlimit(RlimitNofile, in original);
            fillers.ForEach(f => f.Dispose());
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct Rlimit(ulong Current, ulong Maximum);

    [DllImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static extern int GetRlimit(int resource, out Rlimit limit);

    [DllImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static extern int SetRlimit(int resource, in Rlimit limit);
}
