using System.Text.RegularExpressions;
using Platform.Connect.Config;

namespace Platform.Connect.Transforms.Predicates;

/// <summary>Kafka's <c>TopicNameMatches</c>: true when the whole topic name matches <c>pattern</c>.</summary>
public sealed class TopicNameMatches : IPredicate
{
    private static readonly ConfigDef Definition = new ConfigDef()
        .Define("pattern", ConfigType.String, ConfigDef.NoDefault, Importance.Medium, "Regular expression the whole topic name must match.", ValidRegex);

    private Regex _pattern = new("^$");

    private static string? ValidRegex(string key, object? value)
    {
        try
        {
            _ = new Regex((string)value!);
            return null;
        }
        catch (ArgumentException e)
        {
            return $"not a valid regular expression: {e.Message}";
        }
    }

    /// <inheritdoc/>
    public ConfigDef Config => Definition;

    /// <inheritdoc/>
    public void Configure(IReadOnlyDictionary<string, string> config) => _pattern = new Regex($"^(?:{Definition.Parse(config).GetString("pattern")})$");

    /// <inheritdoc/>
    public bool Test(ConnectRecord record) => record is not null && _pattern.IsMatch(record.Topic);

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
