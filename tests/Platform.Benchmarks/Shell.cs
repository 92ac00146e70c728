using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Platform.Benchmarks;

/// <summary>Runs external tools (dd, kcat, sync) and reads /proc.</summary>
internal static class Shell
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed, double CpuSeconds);

    /// <summary>Runs <paramref name="file"/> to completion, capturing its output.</summary>
    public static async Task<Result> RunAsync(string file, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var cpuBefore = ChildrenCpuSeconds();
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        watch.Stop();
        return new Result(process.ExitCode, stdout, await stderr, watch.Elapsed, ChildrenCpuSeconds() - cpuBefore);
    }

    /// <summary>Runs <paramref name="file"/> and counts the lines it prints, without keeping them; also returns its CPU seconds.</summary>
    public static async Task<(long Lines, double CpuSeconds)> CountLinesAsync(string file, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var cpuBefore = ChildrenCpuSeconds();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stderr = process.StandardError.ReadToEndAsync();
        var buffer = new byte[1 << 16];
        long lines = 0;
        int read;
        while ((read = await process.StandardOutput.BaseStream.ReadAsync(buffer)) > 0)
        {
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
        }

        await process.WaitForExitAsync();
        await stderr;
        return (lines, ChildrenCpuSeconds() - cpuBefore);
    }

    public static Result Run(string file, params string[] args) => RunAsync(file, args).GetAwaiter().GetResult();

    /// <summary>sync, then drop the page cache (root only); false when the kernel refused.</summary>
    public static bool DropCaches()
    {
        Run("sync");
        try
        {
            File.WriteAllText("/proc/sys/vm/drop_caches", "3\n");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// User + system CPU of every child process that has ended and been waited for (getrusage
    /// RUSAGE_CHILDREN): the difference around one run is that run's CPU, readable after it exited
    /// and independent of other load on the machine. Runs must not overlap for the difference to hold.
    /// </summary>
    public static double ChildrenCpuSeconds()
    {
        const int RusageChildren = -1;
        var usage = new long[18]; // struct rusage on 64-bit Linux: two timevals, then 14 longs.
        if (GetRusage(RusageChildren, usage) != 0)
        {
            return double.NaN;
        }

        return usage[0] + (usage[1] / 1e6) + usage[2] + (usage[3] / 1e6);
    }

    [DllImport("libc", EntryPoint = "getrusage")]
    private static extern int GetRusage(int who, [Out] long[] usage);

    /// <summary>utime + stime of a process, in seconds.</summary>
    public static double CpuSeconds(int pid)
    {
        var (user, system) = UserAndSystemSeconds(pid);
        return user + system;
    }

    /// <summary>utime and stime of a process, in seconds.</summary>
    public static (double User, double System) UserAndSystemSeconds(int pid)
    {
        // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // USER_HZ is 100 on Linux.
        return (long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) / 100.0,
            long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture) / 100.0);
    }

    /// <summary>VmRSS and VmHWM (peak) of a process, in MiB.</summary>
    public static (double Rss, double Peak) Memory(int pid)
    {
        double rss = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kib(line) / 1024;
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kib(line) / 1024;
            }
        }

        return (rss, peak);

        static double Kib(string line) => double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
