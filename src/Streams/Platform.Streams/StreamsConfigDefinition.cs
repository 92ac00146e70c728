namespace Platform.Streams;

/// <summary>The kind of value a Streams setting holds.</summary>
public enum StreamsConfigType
{
    /// <summary>Text.</summary>
    String,

    /// <summary>A 32-bit integer.</summary>
    Int,

    /// <summary>A 64-bit integer.</summary>
    Long,

    /// <summary><c>true</c> or <c>false</c>.</summary>
    Boolean,

    /// <summary>A comma-separated list.</summary>
    List,

    /// <summary>A type (serde, handler, extractor): a built-in short name, Kafka's Java class name, or a .NET type name.</summary>
    Class,
}

/// <summary>One Streams setting described once: its name, type, default, meaning and check.</summary>
/// <param name="Name">Kafka's name.</param>
/// <param name="Type">The value's type.</param>
/// <param name="Default">The default as text, or null when there is none.</param>
/// <param name="Documentation">What it does.</param>
/// <param name="Validator">Returns an error message for a bad (already type-checked) value, or null.</param>
public sealed record StreamsConfigDefinition(string Name, StreamsConfigType Type, string? Default, string Documentation, Func<string, string?>? Validator = null);
