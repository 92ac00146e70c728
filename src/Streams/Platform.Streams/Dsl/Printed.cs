namespace Platform.Streams.Dsl;

/// <summary>
/// Options of <c>Print</c>: where the lines go (standard output or a writer), the label in front of each line
/// (default: the processor's name) and how key and value become text (default: <c>key, value</c>).
/// Each line reads <c>[label]: key, value</c>, as Kafka Streams prints it.
/// </summary>
public sealed record Printed<TKey, TValue>
{
    /// <summary>The writer; null: standard output at the time of printing.</summary>
    public TextWriter? Writer { get; init; }

    /// <summary>The label; null: the processor's name.</summary>
    public string? Label { get; init; }

    /// <summary>The text of one record; null: <c>key, value</c>.</summary>
    public Func<TKey, TValue, string>? Mapper { get; init; }

    /// <summary>The processor's name; null: generated (<c>KSTREAM-PRINTER-...</c>).</summary>
    public string? ProcessorName { get; init; }

    /// <summary>A copy with the label <paramref name="label"/>.</summary>
    public Printed<TKey, TValue> WithLabel(string label) => this with { Label = label ?? throw new ArgumentNullException(nameof(label)) };

    /// <summary>A copy that prints <paramref name="mapper"/>'s text for each record.</summary>
    public Printed<TKey, TValue> WithKeyValueMapper(Func<TKey, TValue, string> mapper) => this with { Mapper = mapper ?? throw new ArgumentNullException(nameof(mapper)) };

    /// <summary>A copy whose processor is named <paramref name="name"/>.</summary>
    public Printed<TKey, TValue> WithName(string name) => this with { ProcessorName = Named.Validate(name) };
}

/// <summary>Factories of <see cref="Printed{TKey,TValue}"/>.</summary>
public static class Printed
{
    /// <summary>Prints to standard output.</summary>
    public static Printed<TKey, TValue> ToSysOut<TKey, TValue>() => new();

    /// <summary>Prints to <paramref name="writer"/> (flushed after each line; not closed).</summary>
    public static Printed<TKey, TValue> ToWriter<TKey, TValue>(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        return new() { Writer = writer };
    }
}
