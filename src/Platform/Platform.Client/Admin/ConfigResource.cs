namespace Platform.Client.Admin;

/// <summary>A resource that has configs: a topic, a broker...</summary>
/// <param name="Type">Kind of resource.</param>
/// <param name="Name">Its name (topic name, broker id).</param>
public sealed record ConfigResource(ResourceType Type, string Name)
{
    /// <inheritdoc />
    public override string ToString() => $"{Type} '{Name}'";
}
