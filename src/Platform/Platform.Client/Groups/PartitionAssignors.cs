namespace Platform.Client.Groups;

/// <summary>The built-in assignors by protocol name, for <c>partition.assignment.strategy</c>.</summary>
public static class PartitionAssignors
{
    /// <summary>The names this client knows, in Kafka's spelling.</summary>
    public static IReadOnlyList<string> Names { get; } =
        [RangeAssignor.AssignorName, RoundRobinAssignor.AssignorName, StickyAssignor.AssignorName, CooperativeStickyAssignor.AssignorName];

    /// <summary>The assignor called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The name is not one of <see cref="Names"/>.</exception>
    public static IPartitionAssignor Create(string name) => name?.Trim() switch
    {
        RangeAssignor.AssignorName => new RangeAssignor(),
        RoundRobinAssignor.AssignorName => new RoundRobinAssignor(),
        StickyAssignor.AssignorName => new StickyAssignor(),
        CooperativeStickyAssignor.AssignorName => new CooperativeStickyAssignor(),
        _ => throw new ArgumentException(
            $"Unknown partition.assignment.strategy '{name}'; expected one of {string.Join(", ", Names)}.", nameof(name)),
    };

    /// <summary>
    /// Parses a comma-separated <c>partition.assignment.strategy</c> in preference order. Eager and
    /// cooperative assignors cannot be mixed: the group would not agree on how to revoke.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown name, an empty list, or a mix of protocols.</exception>
    public static IReadOnlyList<IPartitionAssignor> Parse(string strategies)
    {
        ArgumentNullException.ThrowIfNull(strategies);
        var assignors = strategies.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Distinct(StringComparer.Ordinal)
            .Select(Create)
            .ToList();
        if (assignors.Count == 0)
        {
            throw new ArgumentException("partition.assignment.strategy names no assignor.", nameof(strategies));
        }

        if (assignors.Select(a => a.Protocol).Distinct().Count() > 1)
        {
            throw new ArgumentException(
                $"partition.assignment.strategy '{strategies}' mixes eager and cooperative assignors; use only one kind.", nameof(strategies));
        }

        return assignors;
    }
}
