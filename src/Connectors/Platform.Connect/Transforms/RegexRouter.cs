using System.Text.RegularExpressions;
using Platform.Connect.Config;

namespace Platform.Connect.Transforms;

/// <summary>Kafka's <c>RegexRouter</c>: a topic that matches <c>regex</c> entirely is renamed to <c>replacement</c> (<c>$1</c> for groups).</summary>
public sealed class RegexRouter : ITransformation
{
    private static readonly ConfigDef Definition = new ConfigDef()
        .Define("regex", ConfigType.String, ConfigDef.NoDefault, Importance.High, "Regular expression the whole topic name must match.", ValidRegex)
        .Define("replacement", ConfigType.String, ConfigDef.NoDefault, Importance.High, "The new topic name; $1... refer to groups.");

    private Regex _regex = new("^$");
    private string _replacement = "";

    /// <inheritdoc/>
    public ConfigDef Config => Definition;

    /// <inheritdoc/>
    public void Configure(IReadOnlyDictionary<string, string> config)
    {
        var parsed = Definition.Parse(config);
        _regex = new Regex($"^(?:{parsed.GetString("regex")})$");
        _replacement = parsed.GetString("replacement")!;
    }

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
    public ConnectRecord? Apply(ConnectRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return _regex.IsMatch(record.Topic)
            ? record.NewRecord(_regex.Replace(record.Topic, _replacement), record.KafkaPartition, record.KeySchema, record.Key, record.ValueSchema, record.Value, record.Timestamp, record.Headers)
            : record;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
