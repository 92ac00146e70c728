using Microsoft.Extensions.Logging;

namespace Platform.Streams.Runtime;

/// <summary>
/// Something a topology carries that lives as long as the <see cref="KafkaStreams"/> instance running it: the
/// in-process observable adapters (a feed writing an <see cref="IObservable{T}"/> to a topic, an observed stream).
/// </summary>
internal interface IStreamsAttachment
{
    /// <summary>Called once the stream threads are started.</summary>
    void Start(StreamsConfig config, string clientId, ILoggerFactory loggerFactory);

    /// <summary>Called when the instance begins to close, before its threads stop (feeds stop and flush here).</summary>
    void Stop();

    /// <summary>Called once every thread has stopped; <paramref name="error"/> is what ended the instance, if anything did.</summary>
    void Complete(Exception? error);
}
