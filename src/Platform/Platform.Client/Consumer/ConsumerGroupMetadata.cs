namespace Platform.Client.Consumer;

/// <summary>The value a consumer hands out as its <see cref="IConsumerGroupMetadata"/>.</summary>
internal sealed record ConsumerGroupMetadata(string GroupId, string MemberId, int GenerationId, string? GroupInstanceId) : IConsumerGroupMetadata;
