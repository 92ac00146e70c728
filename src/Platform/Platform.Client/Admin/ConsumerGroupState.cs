namespace Platform.Client.Admin;

/// <summary>The state of a consumer group in the classic group protocol.</summary>
public enum ConsumerGroupState
{
    /// <summary>A state this client does not know.</summary>
    Unknown,

    /// <summary>Members are (re)joining.</summary>
    PreparingRebalance,

    /// <summary>Members joined; waiting for the leader's assignment.</summary>
    CompletingRebalance,

    /// <summary>Members are consuming.</summary>
    Stable,

    /// <summary>The group is gone (or never existed).</summary>
    Dead,

    /// <summary>No members; committed offsets may remain.</summary>
    Empty,
}

/// <summary>Conversions between <see cref="ConsumerGroupState"/> and the wire's state names.</summary>
public static class ConsumerGroupStateNames
{
    /// <summary>The state named <paramref name="name"/> on the wire (<c>Stable</c>, <c>Empty</c>, ...).</summary>
    public static ConsumerGroupState Parse(string? name)
        => Enum.TryParse<ConsumerGroupState>(name, ignoreCase: true, out var state) && state != ConsumerGroupState.Unknown
            ? state
            : ConsumerGroupState.Unknown;

    /// <summary>The wire name of <paramref name="state"/>.</summary>
    public static string ToWireName(this ConsumerGroupState state) => state.ToString();
}
