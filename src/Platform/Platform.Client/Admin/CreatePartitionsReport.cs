namespace Platform.Client.Admin;

/// <summary>The outcome of adding partitions to one topic.</summary>
/// <param name="Topic">Topic name.</param>
/// <param name="Error">Why it failed, or no error.</param>
public sealed record CreatePartitionsReport(string Topic, Error Error);
