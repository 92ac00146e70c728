namespace Platform.Connect.Runtime;

/// <summary>A task of a connector.</summary>
/// <param name="Connector">The connector's name.</param>
/// <param name="Task">The task number.</param>
public readonly record struct ConnectorTaskId(string Connector, int Task)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Connector}-{Task}";
}
