namespace Platform.Client;

/// <summary>How many acknowledgements the leader waits for before answering a produce request (<c>acks</c>).</summary>
public enum Acks
{
    /// <summary><c>acks=0</c>: no answer at all; records may be lost silently.</summary>
    None = 0,

    /// <summary><c>acks=1</c>: the leader wrote the records to its log.</summary>
    Leader = 1,

    /// <summary><c>acks=all</c> (-1): every in-sync replica has the records.</summary>
    All = -1,
}
