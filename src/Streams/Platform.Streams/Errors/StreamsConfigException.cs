namespace Platform.Streams.Errors;

/// <summary>A setting with a bad value, or a required one missing; <see cref="Key"/> names it.</summary>
public sealed class StreamsConfigException : StreamsException
{
    /// <summary>An exception about <paramref name="key"/>.</summary>
    public StreamsConfigException(string key, string message)
        : base($"Invalid value for '{key}': {message}")
    {
        Key = key;
    }

    /// <summary>An exception without a key.</summary>
    public StreamsConfigException()
    {
        Key = "";
    }

    /// <summary>An exception without a key.</summary>
    public StreamsConfigException(string message)
        : base(message)
    {
        Key = "";
    }

    /// <summary>The setting's name.</summary>
    public string Key { get; }
}
