using Microsoft.Extensions.Configuration;

namespace Platform.Broker;

/// <summary>
/// Binds <see cref="BrokerOptions"/> (its <see cref="BrokerOptions.Settings"/>) from configuration keys spelled as in Kafka's
/// <c>server.properties</c> (<c>node.id</c>, <c>log.dirs</c>, <c>log.retention.ms</c>...). Environment
/// variables can use upper case and underscores (<c>PLATFORM_BROKER__LOG_RETENTION_MS</c>). Every
/// documented Kafka broker key is recognised: keys of features this broker has are honoured, keys of
/// features it lacks come back as warnings (one per key), and a key that is neither Kafka's nor ours,
/// or a malformed value, fails with a message naming the key.
/// </summary>
public static class BrokerConfiguration
{
    /// <summary>Binds <paramref name="section"/> into <paramref name="options"/>; returns one warning per Kafka key this broker does not support.</summary>
    public static IReadOnlyList<string> Bind(IConfiguration section, BrokerOptions options)
    {
        var errors = new List<string>();
        var warnings = new List<string>();
        foreach (var entry in section.GetChildren())
        {
            if (entry.Value is null)
            {
                errors.Add($"{entry.Path}: expected a value, found a section");
                continue;
            }

            var key = Normalize(entry.Key);
            try
            {
                if (Apply(options, key, entry.Value.Trim()) is { } warning)
                {
                    warnings.Add($"{entry.Path}: {warning}");
                }
            }
            catch (FormatException e)
            {
                errors.Add($"{entry.Path} ({key}): {e.Message}");
            }
            catch (OverflowException)
            {
                errors.Add($"{entry.Path} ({key}): '{entry.Value}' is out of range");
            }
        }

        if (errors.Count > 0)
        {
            throw new OptionsValidationException(string.Join("; ", errors));
        }

        return warnings;
    }

    /// <summary>Lower case, with underscores read as dots, so environment variables can name every key.</summary>
    public static string Normalize(string key) => key.ToLowerInvariant().Replace('_', '.');

    /// <summary>Applies one key; returns a warning when the key is Kafka's but names a feature this broker lacks.</summary>
    private static string? Apply(BrokerOptions options, string key, string value)
    {
        if (BrokerOptions.FindSetting(key) is { } setting)
        {
            var warning = setting.Bind(options, value);
            options.Configured[key] = value;
            return warning;
        }

        return KafkaBrokerConfigNames.Contains(key)
            ? $"Kafka's {key} is not supported by this broker and is ignored"
            : throw new FormatException("unknown broker config key (neither Kafka's nor this broker's)");
    }
}
