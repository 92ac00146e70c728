namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// How a windowed operator folds values: an aggregation (initializer + aggregator, and a merger for sessions)
/// or a reduction (the first value is the start). An empty window has no aggregate; reductions cannot start
/// from a default value because values may be value types, so emptiness is explicit instead of Kafka's null.
/// </summary>
internal sealed class WindowAggregation<TKey, TValue, TAggregate>
{
    private readonly Func<TAggregate>? _initializer;
    private readonly Func<TKey, TValue, TAggregate, TAggregate> _aggregator;
    private readonly Func<TValue, TAggregate>? _first;
    private readonly Func<TKey, TAggregate, TAggregate, TAggregate>? _merger;

    private WindowAggregation(Func<TAggregate>? initializer, Func<TKey, TValue, TAggregate, TAggregate> aggregator, Func<TValue, TAggregate>? first, Func<TKey, TAggregate, TAggregate, TAggregate>? merger)
    {
        _initializer = initializer;
        _aggregator = aggregator;
        _first = first;
        _merger = merger;
    }

    /// <summary>An aggregation starting from <paramref name="initializer"/>'s result.</summary>
    public static WindowAggregation<TKey, TValue, TAggregate> Aggregating(
        Func<TAggregate> initializer,
        Func<TKey, TValue, TAggregate, TAggregate> aggregator,
        Func<TKey, TAggregate, TAggregate, TAggregate>? merger = null)
    {
        ArgumentNullException.ThrowIfNull(initializer);
        ArgumentNullException.ThrowIfNull(aggregator);
        return new(initializer, aggregator, null, merger);
    }

    /// <summary>A reduction: the first value is the aggregate, then <paramref name="reducer"/>(aggregate, value); sessions merge with it too.</summary>
    public static WindowAggregation<TKey, TValue, TValue> Reducing(Func<TValue, TValue, TValue> reducer)
    {
        ArgumentNullException.ThrowIfNull(reducer);
        return new(null, (_, value, aggregate) => reducer(aggregate, value), static value => value, (_, a, b) => reducer(a, b));
    }

    /// <summary>The aggregate of a window after adding <paramref name="value"/>; <paramref name="hasAggregate"/> false: the window was empty.</summary>
    public TAggregate Add(TKey key, TValue value, bool hasAggregate, TAggregate aggregate)
    {
        if (hasAggregate)
        {
            return _aggregator(key, value, aggregate);
        }

        return _initializer is not null ? _aggregator(key, value, _initializer()) : _first!(value);
    }

    /// <summary>The start of a session merge: the initializer's result, or nothing for a reduction.</summary>
    public (bool HasAggregate, TAggregate Aggregate) Empty() => _initializer is null ? (false, default!) : (true, _initializer());

    /// <summary>Merges the aggregate of a session into the running one.</summary>
    /// <exception cref="InvalidOperationException">The aggregation has no merger (it is not a session aggregation).</exception>
    public TAggregate Merge(TKey key, bool hasAggregate, TAggregate aggregate, TAggregate other)
    {
        if (!hasAggregate)
        {
            return other;
        }

        return _merger is null
            ? throw new InvalidOperationException("A session aggregation needs a merger.")
            : _merger(key, aggregate, other);
    }
}
