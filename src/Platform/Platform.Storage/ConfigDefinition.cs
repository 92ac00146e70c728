using System.Globalization;

namespace Platform.Storage;

/// <summary>The value types of Kafka's config definitions (DescribeConfigs reports them).</summary>
public enum ConfigType
{
    Boolean,
    String,
    Int,
    Long,
    Double,
    List,
}

/// <summary>
/// One topic config as DescribeConfigs lists it: Kafka's name, type and default, and the check a value
/// must pass. The validator returns null for a good value, or the reason it is bad.
/// </summary>
public sealed class ConfigDefinition
{
    private readonly Func<object, string?>? _validator;

    public ConfigDefinition(string name, ConfigType type, string defaultValue, string documentation, Func<object, string?>? validator = null)
    {
        Name = name;
        Type = type;
        DefaultValue = defaultValue;
        Documentation = documentation;
        _validator = validator;
    }

    public string Name { get; }

    public ConfigType Type { get; }

    /// <summary>The default as a string, as DescribeConfigs reports it.</summary>
    public string DefaultValue { get; }

    public string Documentation { get; }

    public bool IsSensitive => false;

    public bool IsReadOnly => false;

    /// <summary>Parses and checks a value; on failure <paramref name="error"/> says why, naming the key and value.</summary>
    public bool TryParse(string value, out object parsed, out string? error)
    {
        var reason = Parse(value, out parsed);
        error = reason is null ? null : $"Invalid value {value} for configuration {Name}: {reason}";
        return reason is null;
    }

    /// <summary>Why <paramref name="value"/> is not valid for this config, or null if it is; for callers that name the key themselves (the broker-level synonym).</summary>
    public string? Problem(string value) => Parse(value, out _);

    private string? Parse(string value, out object parsed)
    {
        var text = value.Trim();
        parsed = text;
        string? reason = null;
        switch (Type)
        {
            case ConfigType.Boolean:
                if (bool.TryParse(text, out var b))
                {
                    parsed = b;
                }
                else
                {
                    reason = "Expected value to be either true or false";
                }

                break;
            case ConfigType.Int:
                if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i))
                {
                    parsed = i;
                }
                else
                {
                    reason = "Not a number of type INT";
                }

                break;
            case ConfigType.Long:
                if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
                {
                    parsed = l;
                }
                else
                {
                    reason = "Not a number of type LONG";
                }

                break;
            case ConfigType.Double:
                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
                {
                    parsed = d;
                }
                else
                {
                    reason = "Not a number of type DOUBLE";
                }

                break;
            case ConfigType.List:
                parsed = text.Length == 0
                    ? Array.Empty<string>()
                    : text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                break;
        }

        return reason ?? _validator?.Invoke(parsed);
    }

    internal static Func<object, string?> AtLeast(long min)
        => v => Convert.ToInt64(v, CultureInfo.InvariantCulture) >= min ? null : $"Value must be at least {min}";

    internal static Func<object, string?> Between(double min, double max)
        => v => v is double d && d >= min && d <= max ? null : $"Value must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}";

    internal static Func<object, string?> OneOf(params string[] allowed)
        => v => allowed.Contains((string)v, StringComparer.Ordinal) ? null : $"String must be one of: {string.Join(", ", allowed)}";

    /// <summary>Kafka's throttled-replicas list: <c>*</c> alone, or <c>partition:brokerId</c> entries.</summary>
    internal static Func<object, string?> ThrottledReplicas()
        => v =>
        {
            var items = (string[])v;
            if (items is ["*"])
            {
                return null;
            }

            foreach (var item in items)
            {
                var colon = item.IndexOf(':', StringComparison.Ordinal);
                if (colon < 0
                    || !int.TryParse(item.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out _)
                    || !int.TryParse(item.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    return $"Entry '{item}' is not of the form partition:brokerId (or the list is not a lone *)";
                }
            }

            return null;
        };

    internal static Func<object, string?> ListOf(params string[] allowed)
        => v =>
        {
            var items = (string[])v;
            if (items.Length == 0)
            {
                return "Empty list";
            }

            var bad = items.FirstOrDefault(i => !allowed.Contains(i, StringComparer.Ordinal));
            return bad is null ? null : $"Invalid value {bad}; allowed: [{string.Join(", ", allowed)}]";
        };
}
