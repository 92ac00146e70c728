namespace Platform.Streams.Dsl;

/// <summary>
/// A name given to one DSL operator: the processor takes it instead of a generated
/// <c>KSTREAM-FILTER-0000000003</c>, so the topology keeps its names (and its internal topics and stores
/// keep theirs) when operators are added or removed elsewhere.
/// </summary>
public sealed class Named
{
    private Named(string name) => Name = name;

    /// <summary>The processor name.</summary>
    public string Name { get; }

    /// <summary>Names the operator <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">Empty, longer than 249 characters, or with characters other than ASCII letters, digits, '.', '_' and '-' (the name may become part of a topic name).</exception>
    public static Named As(string name) => new(Validate(name));

    /// <summary>Checks a name that may end up in a topic name, as Kafka's <c>Named</c> does.</summary>
    internal static string Validate(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0 || name.Length > 249)
        {
            throw new ArgumentException($"Name '{name}' must have 1 to 249 characters.", nameof(name));
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                throw new ArgumentException($"Name '{name}' is illegal: use ASCII letters, digits, '.', '_' and '-'.", nameof(name));
            }
        }

        return name;
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
