namespace Platform.Client.Serialization;

/// <summary>What a serializer is given besides the data: key or value, the topic, and the record's headers.</summary>
/// <param name="Component">Key or value.</param>
/// <param name="Topic">The topic the record goes to (or came from).</param>
/// <param name="Headers">The record's headers, which a serializer may add to; null when the record has none.</param>
public readonly record struct SerializationContext(MessageComponentType Component, string Topic, Headers? Headers = null)
{
    /// <summary>An empty context, for calling serializers outside a client.</summary>
    public static SerializationContext Empty => new(MessageComponentType.Value, "", null);
}
