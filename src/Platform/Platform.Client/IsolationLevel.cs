namespace Platform.Client;

/// <summary>Which records a read may see (Kafka's <c>isolation.level</c>; wire values).</summary>
public enum IsolationLevel : sbyte
{
    /// <summary>All records, including those of open and aborted transactions.</summary>
    ReadUncommitted = 0,

    /// <summary>Only records of committed transactions (up to the last stable offset).</summary>
    ReadCommitted = 1,
}
