namespace Platform.Client.Groups;

/// <summary>
/// What the leader hands one member: its partitions and assignor-specific bytes. The wire form is
/// Kafka's <c>ConsumerProtocolAssignment</c> (see <see cref="ConsumerProtocol"/>).
/// </summary>
/// <param name="Partitions">The partitions the member owns from now on.</param>
/// <param name="UserData">Assignor-specific bytes, or null.</param>
public sealed record MemberAssignment(IReadOnlyList<TopicPartition> Partitions, byte[]? UserData = null)
{
    /// <summary>An empty assignment.</summary>
    public static MemberAssignment Empty { get; } = new([]);
}
