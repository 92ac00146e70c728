using System.Globalization;

namespace Platform.Connect.Config;

/// <summary>
/// The keys a connector, task, transform or converter takes, described once: <c>new ConfigDef().Define(...)</c>.
/// <see cref="Parse"/> turns string properties into typed values or throws a <see cref="ConfigException"/>
/// naming the key; <see cref="Validate"/> reports every problem at once.
/// </summary>
public sealed class ConfigDef
{
    /// <summary>Marks a key without default: it must be given.</summary>
    public static readonly object NoDefault = new();

    private readonly Dictionary<string, ConfigKey> _keys = new(StringComparer.Ordinal);

    /// <summary>The keys, in definition order.</summary>
    public IReadOnlyCollection<ConfigKey> Keys => _keys.Values;

    /// <summary>Adds a key. A validator returns null when the parsed value is fine, else what is wrong.</summary>
    public ConfigDef Define(string name, ConfigType type, object? defaultValue, Importance importance, string documentation,
        Func<string, object?, string?>? validator = null, string? group = null, IReadOnlyList<string>? allowedValues = null)
    {
        _keys.Add(name, new ConfigKey(name, type, defaultValue, validator, importance, documentation, group, allowedValues));
        return this;
    }

    /// <summary>Adds a required key (no default).</summary>
    public ConfigDef Define(string name, ConfigType type, Importance importance, string documentation, Func<string, object?, string?>? validator = null)
        => Define(name, type, NoDefault, importance, documentation, validator);

    /// <summary>Adds every key of <paramref name="other"/>.</summary>
    public ConfigDef Merge(ConfigDef other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (var key in other.Keys)
        {
            _keys.TryAdd(key.Name, key);
        }

        return this;
    }

    /// <summary>The key called <paramref name="name"/>, or null.</summary>
    public ConfigKey? Find(string name) => _keys.GetValueOrDefault(name);

    /// <summary>Parses every defined key of <paramref name="props"/> (undefined keys are left alone).</summary>
    /// <exception cref="ConfigException">A required key is missing or a value is invalid; names the key.</exception>
    public ParsedConfig Parse(IReadOnlyDictionary<string, string> props)
    {
        ArgumentNullException.ThrowIfNull(props);
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var key in _keys.Values)
        {
            values[key.Name] = ParseKey(key, props);
        }

        return new ParsedConfig(values, props);
    }

    /// <summary>Every defined key's value and problems; never throws for bad values.</summary>
    public IReadOnlyList<ConfigValue> Validate(IReadOnlyDictionary<string, string> props)
    {
        ArgumentNullException.ThrowIfNull(props);
        var result = new List<ConfigValue>(_keys.Count);
        foreach (var key in _keys.Values)
        {
            props.TryGetValue(key.Name, out var raw);
            try
            {
                ParseKey(key, props);
                result.Add(new ConfigValue(key.Name, raw ?? FormatDefault(key), []));
            }
            catch (ConfigException e)
            {
                result.Add(new ConfigValue(key.Name, raw, [e.Message]));
            }
        }

        return result;
    }

    private static object? ParseKey(ConfigKey key, IReadOnlyDictionary<string, string> props)
    {
        object? value;
        if (props.TryGetValue(key.Name, out var raw))
        {
            value = ParseValue(key, raw);
        }
        else if (key.Required)
        {
            throw new ConfigException($"Missing required configuration '{key.Name}' which has no default value.");
        }
        else
        {
            value = key.DefaultValue;
        }

        if (key.AllowedValues is { Count: > 0 } allowed && value is string s && !allowed.Contains(s, StringComparer.OrdinalIgnoreCase))
        {
            throw new ConfigException(key.Name, s, $"must be one of {string.Join(", ", allowed)}");
        }

        if (key.Validator?.Invoke(key.Name, value) is { } problem)
        {
            throw new ConfigException(key.Name, raw ?? value, problem);
        }

        return value;
    }

    private static object? ParseValue(ConfigKey key, string raw)
    {
        var trimmed = raw.Trim();
        switch (key.Type)
        {
            case ConfigType.Boolean:
                return bool.TryParse(trimmed, out var b) ? b : throw new ConfigException(key.Name, raw, "expected true or false");
            case ConfigType.Int:
                return int.TryParse(trimmed, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : throw new ConfigException(key.Name, raw, "expected a 32-bit integer");
            case ConfigType.Long:
                return long.TryParse(trimmed, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? l : throw new ConfigException(key.Name, raw, "expected a 64-bit integer");
            case ConfigType.Double:
                return double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw new ConfigException(key.Name, raw, "expected a number");
            case ConfigType.List:
                return trimmed.Length == 0 ? Array.Empty<string>() : trimmed.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            default:
                return key.Type == ConfigType.Password ? raw : trimmed;
        }
    }

    private static string? FormatDefault(ConfigKey key) => key.DefaultValue switch
    {
        null => null,
        string[] list => string.Join(",", list),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        var other => other.ToString(),
    };

    /// <summary>Validators for common cases.</summary>
    public static class Validators
    {
        /// <summary>A number within [min, max].</summary>
        public static Func<string, object?, string?> Between(double min, double max)
            => (_, v) => v is null || (Convert.ToDouble(v, CultureInfo.InvariantCulture) is var d && d >= min && d <= max) ? null : $"must be between {min} and {max}";

        /// <summary>A number of at least <paramref name="min"/>.</summary>
        public static Func<string, object?, string?> AtLeast(double min)
            => (_, v) => v is null || Convert.ToDouble(v, CultureInfo.InvariantCulture) >= min ? null : $"must be at least {min}";

        /// <summary>A string that is not empty.</summary>
        public static Func<string, object?, string?> NonEmptyString()
            => (_, v) => v is string s && s.Length > 0 ? null : "must not be empty";
    }
}

/// <summary>Typed values of a parsed configuration; keys not in the definition are available as strings.</summary>
public sealed class ParsedConfig
{
    private readonly Dictionary<string, object?> _values;

    internal ParsedConfig(Dictionary<string, object?> values, IReadOnlyDictionary<string, string> original)
    {
        _values = values;
        Original = original;
    }

    /// <summary>The properties as given.</summary>
    public IReadOnlyDictionary<string, string> Original { get; }

    /// <summary>The parsed value of a defined key.</summary>
    /// <exception cref="KeyNotFoundException">The key is not defined.</exception>
    public object? Get(string key) => _values.TryGetValue(key, out var v) ? v : throw new KeyNotFoundException($"Configuration '{key}' is not defined.");

    /// <summary>A string key (null when unset without default).</summary>
    public string? GetString(string key) => (string?)Get(key);

    /// <summary>An int key.</summary>
    public int GetInt(string key) => (int)Get(key)!;

    /// <summary>A long key.</summary>
    public long GetLong(string key) => Convert.ToInt64(Get(key), CultureInfo.InvariantCulture);

    /// <summary>A double key.</summary>
    public double GetDouble(string key) => Convert.ToDouble(Get(key), CultureInfo.InvariantCulture);

    /// <summary>A boolean key.</summary>
    public bool GetBoolean(string key) => (bool)Get(key)!;

    /// <summary>A list key.</summary>
    public IReadOnlyList<string> GetList(string key) => Get(key) switch
    {
        null => [],
        string[] list => list,
        string s => s.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
        IEnumerable<string> e => e.ToArray(),
        var other => throw new InvalidCastException($"Configuration '{key}' is {other.GetType().Name}, not a list."),
    };

    /// <summary>The properties starting with <paramref name="prefix"/>, the prefix removed.</summary>
    public IReadOnlyDictionary<string, string> WithPrefix(string prefix)
        => Original.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value, StringComparer.Ordinal);
}
