namespace Platform.Client.Consumer.Fetching;

/// <summary>Kafka's special offset values (as in ListOffsets and librdkafka).</summary>
internal static class Offsets
{
    /// <summary>The log start offset (ListOffsets timestamp -2).</summary>
    public const long Beginning = -2;

    /// <summary>The log end (ListOffsets timestamp -1).</summary>
    public const long End = -1;

    /// <summary>The committed offset (groups; until then like <see cref="Unset"/>).</summary>
    public const long Stored = -1000;

    /// <summary>No offset: <c>auto.offset.reset</c> decides.</summary>
    public const long Unset = -1001;
}
