namespace Platform.Protocol.Messages;

/// <summary>A message or struct that reads and writes itself in any of its versions.</summary>
public interface IKafkaMessage
{
    /// <summary>Reads the fields <paramref name="version"/> carries; throws <see cref="ProtocolException"/> on malformed input.</summary>
    void Read(ref KafkaReader reader, short version);

    /// <summary>Writes the fields <paramref name="version"/> carries; throws <see cref="InvalidOperationException"/> when a value cannot be expressed in it.</summary>
    void Write(KafkaWriter writer, short version);
}

/// <summary>The body of a request (without its header).</summary>
public interface IRequestMessage : IKafkaMessage
{
    ApiKey ApiKey { get; }
}

/// <summary>The body of a response (without its header).</summary>
public interface IResponseMessage : IKafkaMessage
{
    ApiKey ApiKey { get; }
}
