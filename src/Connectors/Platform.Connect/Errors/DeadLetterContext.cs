namespace Platform.Connect.Errors;

/// <summary>The failing record as it goes to the dead-letter topic, with where it came from.</summary>
/// <param name="Topic">The topic it was consumed from (sinks) or bound for (sources).</param>
/// <param name="Partition">Its partition, when known.</param>
/// <param name="Offset">Its offset (sinks).</param>
/// <param name="Key">The key bytes.</param>
/// <param name="Value">The value bytes.</param>
/// <param name="Headers">The original headers.</param>
/// <param name="ExecutingClass">The class that failed (transformation, converter or task).</param>
public sealed record DeadLetterContext(
    string? Topic,
    int? Partition,
    long? Offset,
    byte[]? Key,
    byte[]? Value,
    IReadOnlyList<KeyValuePair<string, byte[]?>> Headers,
    string? ExecutingClass);
