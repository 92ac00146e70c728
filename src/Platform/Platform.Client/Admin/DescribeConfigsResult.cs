namespace Platform.Client.Admin;

/// <summary>The configs of one resource.</summary>
/// <param name="ConfigResource">The resource.</param>
/// <param name="Entries">Its configs by name.</param>
/// <param name="Error">Why it could not be described, or no error.</param>
public sealed record DescribeConfigsResult(ConfigResource ConfigResource, IReadOnlyDictionary<string, ConfigEntryResult> Entries, Error Error);
