using System.Globalization;

namespace Platform.Benchmarks;

/// <summary>Small helpers for figures and the printed report (MB = 10^6 bytes, as dd prints).</summary>
internal static class Report
{
    public const double MB = 1_000_000;
    public const double MiB = 1024 * 1024;

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
            : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static string F(double value, int decimals = 1) => value.ToString("N" + decimals, CultureInfo.InvariantCulture);

    public static string Percent(double ratio) => F(ratio * 100, 0) + "%";

    public static string Goal(bool met) => met ? "met" : "MISSED";

    /// <summary>One line: name, the median, every round.</summary>
    public static void Row(string name, IReadOnlyList<double> rounds, string unit, int decimals = 1)
        => Console.WriteLine($"  {name,-28} median {F(Median(rounds), decimals),10} {unit,-10} rounds: {string.Join(", ", rounds.Select(r => F(r, decimals)))}");

    public static void Heading(string text) => Console.WriteLine($"\n== {text}");

    /// <summary>The 1-minute load average: other work on the machine skews every figure, so each report shows it.</summary>
    public static string Load() => "load " + File.ReadAllText("/proc/loadavg").Split(' ')[0] + $" on {Environment.ProcessorCount} cores";

    public static string FreeDisk(string directory)
    {
        var drive = new DriveInfo(Path.GetFullPath(directory));
        return $"{F(drive.AvailableFreeSpace / MiB / 1024, 1)} GiB free";
    }
}
