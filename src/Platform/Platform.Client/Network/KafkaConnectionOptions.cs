namespace Platform.Client.Network;

/// <summary>Settings of one broker connection.</summary>
public sealed class KafkaConnectionOptions
{
    /// <summary>Sent in every request header (<c>client.id</c>).</summary>
    public string? ClientId { get; init; } = "platform-client";

    /// <summary>How long a request may wait for its response (<c>request.timeout.ms</c>, default 30 s).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long establishing the TCP connection may take (<c>socket.connection.setup.timeout.ms</c>, default 10 s).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Socket receive buffer in bytes (<c>receive.buffer.bytes</c>); -1 (the default) keeps the OS's auto-tuned size.</summary>
    public int ReceiveBufferSize { get; init; } = -1;

    /// <summary>
    /// Bytes asked for per socket read of the response loop (default 4 KiB). The consumer reads
    /// 64 KiB at a time: a fetch response of megabytes would otherwise take a thousand reads.
    /// </summary>
    public int ReadSize { get; init; } = 4096;

    /// <summary>Largest response frame accepted; a larger size prefix means a corrupt stream (default 256 MiB).</summary>
    public int MaxResponseSize { get; init; } = 256 * 1024 * 1024;

    /// <summary>Whether to negotiate versions with ApiVersions on connect (tests of raw framing turn it off).</summary>
    public bool NegotiateApiVersions { get; init; } = true;

    /// <summary>Sent as <c>client_software_name</c> in ApiVersions v3+.</summary>
    public string ClientSoftwareName { get; init; } = "platform-dotnet";

    /// <summary>Sent as <c>client_software_version</c> in ApiVersions v3+.</summary>
    public string ClientSoftwareVersion { get; init; } = "0.1.0";
}
