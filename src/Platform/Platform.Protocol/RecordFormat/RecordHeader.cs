namespace Platform.Protocol.RecordFormat;

/// <summary>A record header as applications see it: a UTF-8 key and an optional value.</summary>
public readonly record struct RecordHeader(string Key, byte[]? Value);
