namespace Platform.Streams.Processors;

/// <summary>What drives a punctuator.</summary>
public enum PunctuationType
{
    /// <summary>Stream time: fires as record timestamps advance, never without input.</summary>
    StreamTime,

    /// <summary>Wall-clock time: fires as the system clock advances.</summary>
    WallClockTime,
}
