namespace Platform.Streams.Dsl.Internal.Joins;

/// <summary>How one side of a table-table join treats a missing row on the other side.</summary>
internal enum TableJoinSide
{
    /// <summary>Inner join: no result without both rows.</summary>
    Inner,

    /// <summary>The left side of a left join: a result even without the right row.</summary>
    Left,

    /// <summary>The right side of a left join: results only where the left row exists.</summary>
    Right,

    /// <summary>Outer join: a result when either row exists.</summary>
    Outer,
}
