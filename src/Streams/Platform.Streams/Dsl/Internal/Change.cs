namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// The value of a KTable update record: the row's new value and (when the downstream asked for old values) its
/// previous one. Presence is explicit, because values may be value types (a <c>long</c> count) where null
/// cannot mean "absent": <see cref="HasNew"/> false is a delete, <see cref="HasOld"/> false an insert or
/// "old value not sent".
/// </summary>
internal readonly struct Change<TValue>
{
    public Change(TValue newValue, bool hasNew, TValue oldValue, bool hasOld)
    {
        NewValue = hasNew ? newValue : default!;
        HasNew = hasNew;
        OldValue = hasOld ? oldValue : default!;
        HasOld = hasOld;
    }

    /// <summary>The new value (default when <see cref="HasNew"/> is false).</summary>
    public TValue NewValue { get; }

    /// <summary>Whether the row has a new value (false: the row is deleted).</summary>
    public bool HasNew { get; }

    /// <summary>The old value (default when <see cref="HasOld"/> is false).</summary>
    public TValue OldValue { get; }

    /// <summary>Whether the old value is known and was present.</summary>
    public bool HasOld { get; }

    /// <summary>A change whose presence follows nullness (for reference and nullable types; value types are always present).</summary>
    public static Change<TValue> Of(TValue? newValue, TValue? oldValue)
        => new(newValue!, newValue is not null, oldValue!, oldValue is not null);

    /// <summary>An insert or update without the old value.</summary>
    public static Change<TValue> New(TValue newValue) => new(newValue, newValue is not null, default!, false);

    /// <summary>A delete of a row whose value was <paramref name="oldValue"/> (or unknown when <paramref name="hasOld"/> is false).</summary>
    public static Change<TValue> Delete(TValue oldValue, bool hasOld) => new(default!, false, oldValue, hasOld);

    /// <summary>This change without its old value (what a downstream that did not ask for old values gets).</summary>
    public Change<TValue> WithoutOld() => new(NewValue, HasNew, default!, false);

    /// <inheritdoc/>
    public override string ToString() => $"({(HasNew ? NewValue : "<null>")}<-{(HasOld ? OldValue : "<null>")})";
}
