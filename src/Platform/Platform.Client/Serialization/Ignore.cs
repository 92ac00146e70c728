namespace Platform.Client.Serialization;

/// <summary>A key or value type whose bytes are skipped by the consumer (<see cref="Deserializers.Ignore"/>).</summary>
public sealed class Ignore
{
    private Ignore()
    {
    }
}
