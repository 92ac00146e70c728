namespace Platform.Protocol.Generator;

/// <summary>An inclusive range of message versions, as written in the specs: "3+", "0-4", "5", "none".</summary>
internal readonly record struct VersionRange(short Low, short High)
{
    public static readonly VersionRange None = new(0, -1);

    public static readonly VersionRange All = new(0, short.MaxValue);

    public bool IsNone => Low > High;

    public static VersionRange Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text == "none")
        {
            return None;
        }

        if (text.EndsWith('+'))
        {
            return new VersionRange(short.Parse(text[..^1]), short.MaxValue);
        }

        var dash = text.IndexOf('-');
        return dash < 0
            ? new VersionRange(short.Parse(text), short.Parse(text))
            : new VersionRange(short.Parse(text[..dash]), short.Parse(text[(dash + 1)..]));
    }

    public VersionRange Intersect(VersionRange other)
    {
        var result = new VersionRange(Math.Max(Low, other.Low), Math.Min(High, other.High));
        return result.IsNone ? None : result;
    }

    public bool Covers(VersionRange other) => other.IsNone || (Low <= other.Low && High >= other.High);

    /// <summary>A C# condition on <c>version</c> that holds inside this range, simplified for the versions in <paramref name="bounds"/>.</summary>
    public string Condition(VersionRange bounds)
    {
        var within = Intersect(bounds);
        if (within.IsNone)
        {
            return "false";
        }

        if (Covers(bounds))
        {
            return "true";
        }

        if (within.Low > bounds.Low && within.High < bounds.High)
        {
            return $"version >= {within.Low} && version <= {within.High}";
        }

        return within.Low > bounds.Low ? $"version >= {within.Low}" : $"version <= {within.High}";
    }

    public override string ToString() => IsNone ? "none" : High == short.MaxValue ? $"{Low}+" : $"{Low}-{High}";
}
