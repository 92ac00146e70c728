using Platform.Connect.Data;

namespace Platform.Connect;

/// <summary>A record header: a key and a value with its schema (null schema for raw bytes or schemaless values).</summary>
/// <param name="Key">The header key.</param>
/// <param name="Schema">The value's schema, or null.</param>
/// <param name="Value">The value.</param>
public sealed record ConnectHeader(string Key, Schema? Schema, object? Value);
