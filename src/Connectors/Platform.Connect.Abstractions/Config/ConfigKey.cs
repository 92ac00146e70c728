namespace Platform.Connect.Config;

/// <summary>
/// One configuration key: its type, default (<see cref="ConfigDef.NoDefault"/> when required), validator,
/// importance and documentation. The table of keys drives parsing, validation, the validate endpoint and
/// the published JSON Schemas.
/// </summary>
public sealed record ConfigKey(
    string Name,
    ConfigType Type,
    object? DefaultValue,
    Func<string, object?, string?>? Validator,
    Importance Importance,
    string Documentation,
    string? Group = null,
    IReadOnlyList<string>? AllowedValues = null)
{
    /// <summary>Whether the key must be given.</summary>
    public bool Required => ReferenceEquals(DefaultValue, ConfigDef.NoDefault);
}

/// <summary>The result of validating one key: its value and what is wrong with it.</summary>
/// <param name="Name">The key.</param>
/// <param name="Value">The value given (or the default), as text.</param>
/// <param name="Errors">What is wrong; empty when valid.</param>
public sealed record ConfigValue(string Name, string? Value, IReadOnlyList<string> Errors);
