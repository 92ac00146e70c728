namespace Platform.Client.Admin;

/// <summary>The outcome of deleting one topic.</summary>
/// <param name="Topic">Topic name.</param>
/// <param name="Error">Why it failed, or no error.</param>
public sealed record DeleteTopicReport(string Topic, Error Error);
