namespace Platform.Connect.Config;

/// <summary>A configuration is invalid; the message names the key and what is wrong.</summary>
public sealed class ConfigException : ConnectException
{
    /// <summary>An error about <paramref name="key"/>.</summary>
    public ConfigException(string key, object? value, string problem)
        : base($"Invalid value {(value is null ? "null" : $"'{value}'")} for configuration '{key}': {problem}")
        => Key = key;

    /// <summary>An error with a message.</summary>
    public ConfigException(string message) : base(message) { }

    /// <summary>An error with a message and a cause.</summary>
    public ConfigException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>An error without a message.</summary>
    public ConfigException() { }

    /// <summary>The key at fault, when one.</summary>
    public string? Key { get; }
}
