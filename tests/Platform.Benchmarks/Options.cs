using System.Globalization;

namespace Platform.Benchmarks;

/// <summary><c>--name value</c> pairs and bare <c>--flag</c>s.</summary>
internal sealed class Options
{
    private readonly Dictionary<string, string?> _values = [];

    public Options(ReadOnlySpan<string> args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unexpected argument '{args[i]}'.");
            }

            var hasValue = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal);
            _values[args[i][2..]] = hasValue ? args[++i] : null;
        }
    }

    public string String(string name, string fallback) => _values.TryGetValue(name, out var v) && v is not null ? v : fallback;

    public long Long(string name, long fallback)
        => _values.TryGetValue(name, out var v) && v is not null
            ? long.Parse(v, CultureInfo.InvariantCulture)
            : fallback;

    public int Int(string name, int fallback) => checked((int)Long(name, fallback));

    public bool Flag(string name) => _values.ContainsKey(name);
}
