namespace Platform.Streams.Hosting;

/// <summary>Where the interactive-query HTTP endpoint listens (see <see cref="StreamsServiceCollectionExtensions.AddStreamsQueryServer"/>).</summary>
public sealed class StreamsQueryServerOptions
{
    /// <summary>Kestrel's listen addresses, e.g. <c>http://0.0.0.0:7070</c> (<c>;</c>-separated); usually the <c>application.server</c> endpoint.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:7070";

    /// <summary>The path prefix of the endpoints.</summary>
    public string Prefix { get; set; } = "/streams";
}
