namespace Platform.Streams;

/// <summary>What a node of a <see cref="TopologyDescription"/> is.</summary>
public enum TopologyNodeKind
{
    /// <summary>Reads topics.</summary>
    Source,

    /// <summary>Transforms records.</summary>
    Processor,

    /// <summary>Writes a topic.</summary>
    Sink,
}
