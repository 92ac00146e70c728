using Platform.Protocol;

namespace Platform.Broker.Cluster;

/// <summary>Kafka's rules for topic names.</summary>
public static class TopicNames
{
    public const int MaxLength = 249;

    /// <summary>Returns null when <paramref name="name"/> is a legal topic name, otherwise why not.</summary>
    public static string? Validate(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "Topic name is empty.";
        }

        if (name is "." or "..")
        {
            return $"Topic name cannot be '{name}'.";
        }

        if (name.Length > MaxLength)
        {
            return $"Topic name is {name.Length} characters long, more than the maximum of {MaxLength}.";
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return $"Topic name '{name}' contains '{c}': only ASCII letters, digits, '.', '_' and '-' are allowed.";
            }
        }

        return null;
    }

    public static bool IsInternal(string name) => name is "__consumer_offsets" or "__transaction_state";
}
