namespace Platform.Client.Admin;

/// <summary>A topic in a topic listing.</summary>
/// <param name="Name">Topic name.</param>
/// <param name="TopicId">Topic id.</param>
/// <param name="IsInternal">Whether the topic is internal.</param>
public sealed record TopicListing(string Name, Guid TopicId, bool IsInternal);
