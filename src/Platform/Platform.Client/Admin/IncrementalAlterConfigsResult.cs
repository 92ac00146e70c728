namespace Platform.Client.Admin;

/// <summary>The outcome of altering one resource's configs.</summary>
/// <param name="ConfigResource">The resource.</param>
/// <param name="Error">Why it failed, or no error.</param>
public sealed record IncrementalAlterConfigsResult(ConfigResource ConfigResource, Error Error);
