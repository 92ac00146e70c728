using System.Diagnostics;

namespace Platform.Benchmarks;

/// <summary>
/// What one connect benchmark step costs, apart from its wall time (which other work on a shared machine skews):
/// CPU seconds of this process (the loader or the worker), of the broker process and of the PostgreSQL server (its
/// postmaster and children: the backends serving the connections, the WAL writer...), the managed bytes this process
/// allocated and its garbage collections, and the JIT's time and methods compiled in this process (a step that still
/// compiles after its warm-up measures the JIT too).
/// </summary>
internal sealed class CostMeter(int? brokerPid, int postgresPort)
{
    private double _self;
    private double _broker;
    private double _postgres;
    private long _allocated;
    private int _gen0;
    private int _gen2;
    private TimeSpan _paused;
    private TimeSpan _jit;
    private long _jitted;

    public List<double> SelfMicrosPerRow { get; } = [];

    public List<double> BrokerMicrosPerRow { get; } = [];

    public List<double> PostgresMicrosPerRow { get; } = [];

    public List<double> BytesPerRow { get; } = [];

    public List<double> Gen0 { get; } = [];

    public List<double> Gen2 { get; } = [];

    public List<double> PausedMs { get; } = [];

    public List<double> JitMs { get; } = [];

    public List<double> JitMethods { get; } = [];

    public void Start()
    {
        _self = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        _broker = brokerPid is { } pid ? Shell.CpuSeconds(pid) : 0;
        _postgres = PostgresCpuSeconds(postgresPort);
        _allocated = GC.GetTotalAllocatedBytes(precise: false);
        _gen0 = GC.CollectionCount(0);
        _gen2 = GC.CollectionCount(2);
        _paused = GC.GetTotalPauseDuration();
        _jit = System.Runtime.JitInfo.GetCompilationTime();
        _jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
    }

    public void Stop(int rows)
    {
        SelfMicrosPerRow.Add((Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - _self) * 1e6 / rows);
        BrokerMicrosPerRow.Add(((brokerPid is { } pid ? Shell.CpuSeconds(pid) : 0) - _broker) * 1e6 / rows);
        PostgresMicrosPerRow.Add((PostgresCpuSeconds(postgresPort) - _postgres) * 1e6 / rows);
        BytesPerRow.Add((double)(GC.GetTotalAllocatedBytes(precise: false) - _allocated) / rows);
        Gen0.Add(GC.CollectionCount(0) - _gen0);
        Gen2.Add(GC.CollectionCount(2) - _gen2);
        PausedMs.Add((GC.GetTotalPauseDuration() - _paused).TotalMilliseconds);
        JitMs.Add((System.Runtime.JitInfo.GetCompilationTime() - _jit).TotalMilliseconds);
        JitMethods.Add(System.Runtime.JitInfo.GetCompiledMethodCount() - _jitted);
    }

    /// <summary>Prints the medians of every step measured, one line.</summary>
    public void Print(string name)
        => Console.WriteLine($"    {name,-26} CPU µs/row: self {Report.F(Report.Median(SelfMicrosPerRow), 2)}, broker {Report.F(Report.Median(BrokerMicrosPerRow), 2)}, "
            + $"postgres {Report.F(Report.Median(PostgresMicrosPerRow), 2)}; allocated {Report.F(Report.Median(BytesPerRow), 0)} B/row; "
            + $"GCs gen0 {Report.F(Report.Median(Gen0), 0)}, gen2 {Report.F(Report.Median(Gen2), 0)}, paused {Report.F(Report.Median(PausedMs), 0)} ms; "
            + $"JIT {Report.F(Report.Median(JitMs), 0)} ms, {Report.F(Report.Median(JitMethods), 0)} methods");

    /// <summary>
    /// CPU seconds of the PostgreSQL server on <paramref name="port"/>: its postmaster with its ended children
    /// (cutime + cstime: a closed connection's backend stays counted) and its running children. Other clusters on the
    /// machine (other users' tests) are not counted.
    /// </summary>
    private static double PostgresCpuSeconds(int port)
    {
        var processes = new List<(int Pid, int Parent, string[] Fields, string CommandLine)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), System.Globalization.CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                if (File.ReadAllText(Path.Combine(dir, "comm")).TrimEnd() != "postgres")
                {
                    continue;
                }

                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                processes.Add((pid, int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture), fields,
                    File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ')));
            }
            catch (IOException)
            {
                // The process ended meanwhile.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        var postmaster = processes.Find(p => p.CommandLine.Contains($"-p {port} ", StringComparison.Ordinal));
        if (postmaster.Fields is null)
        {
            return double.NaN;
        }

        static double Ticks(string[] fields, int last)
        {
            var total = 0.0;
            for (var i = 11; i <= last; i++)
            {
                total += long.Parse(fields[i], System.Globalization.CultureInfo.InvariantCulture) / 100.0;
            }

            return total;
        }

        return Ticks(postmaster.Fields, 14) + processes.Where(p => p.Parent == postmaster.Pid).Sum(p => Ticks(p.Fields, 12));
    }
}
