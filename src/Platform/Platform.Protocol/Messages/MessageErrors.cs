namespace Platform.Protocol.Messages;

/// <summary>The exceptions the generated codecs throw, built out of line to keep the generated code small.</summary>
internal static class MessageErrors
{
    /// <summary>A field's value cannot be sent in this version (like Kafka's UnsupportedVersionException).</summary>
    public static InvalidOperationException Unsupported(string field, short version)
        => new($"Field {field} has a non-default value, which version {version} cannot carry.");

    /// <summary>Null was set on a field that is not nullable in this version.</summary>
    public static InvalidOperationException NullField(string field, short version)
        => new($"Field {field} is null, but it is not nullable in version {version}.");

    /// <summary>The wire carried null for a field that is not nullable in this version.</summary>
    public static ProtocolException NullOnWire(string field)
        => new($"Field {field} was null on the wire, but it is not nullable.");
}
