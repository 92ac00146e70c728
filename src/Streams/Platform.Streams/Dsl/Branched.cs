namespace Platform.Streams.Dsl;

/// <summary>
/// Options of one branch of <c>Split()</c>: its name (appended to the split's name; default: its position,
/// 1-based, and <c>0</c> for the default branch) and what to do with the branch's stream: a function whose
/// result goes in the returned map (a null result leaves the branch out), or an action (the branch is left out).
/// </summary>
public sealed record Branched<TKey, TValue>
{
    /// <summary>The branch's name; null: its position.</summary>
    public string? Name { get; init; }

    /// <summary>Applied to the branch's stream; its result is stored in the map.</summary>
    public Func<IKStream<TKey, TValue>, IKStream<TKey, TValue>?>? Chain { get; init; }

    /// <summary>Applied to the branch's stream; the branch is left out of the map.</summary>
    public Action<IKStream<TKey, TValue>>? Consumer { get; init; }

}

/// <summary>Factories of <see cref="Branched{TKey,TValue}"/>.</summary>
public static class Branched
{
    /// <summary>A branch named <paramref name="name"/>.</summary>
    public static Branched<TKey, TValue> As<TKey, TValue>(string name) => new() { Name = Named.Validate(name) };

    /// <summary>A branch whose stream is passed through <paramref name="chain"/>; the result goes in the map (null: left out).</summary>
    public static Branched<TKey, TValue> WithFunction<TKey, TValue>(Func<IKStream<TKey, TValue>, IKStream<TKey, TValue>?> chain, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(chain);
        return new() { Chain = chain, Name = name is null ? null : Named.Validate(name) };
    }

    /// <summary>A branch whose stream is handed to <paramref name="consumer"/>; the branch is left out of the map.</summary>
    public static Branched<TKey, TValue> WithConsumer<TKey, TValue>(Action<IKStream<TKey, TValue>> consumer, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        return new() { Consumer = consumer, Name = name is null ? null : Named.Validate(name) };
    }
}
