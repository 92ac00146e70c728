using Platform.Client.Network;
using Platform.Protocol;

namespace Platform.Client.Internal;

/// <summary>What the producer, consumer and admin client builders and their blocking calls share.</summary>
internal static class ClientConfigSupport
{
    /// <summary>Parses <c>bootstrap.servers</c>; a missing or malformed value is an <see cref="ArgumentException"/> naming the key.</summary>
    public static IReadOnlyList<BrokerAddress> Bootstrap(string? servers)
    {
        if (string.IsNullOrWhiteSpace(servers))
        {
            throw new ArgumentException("Configuration property 'bootstrap.servers' is required.");
        }

        try
        {
            return BrokerAddress.ParseList(servers);
        }
        catch (FormatException ex)
        {
            throw new ArgumentException($"Configuration property 'bootstrap.servers' is invalid: {ex.Message}", ex);
        }
    }

    /// <summary>Runs an async call synchronously for at most <paramref name="timeout"/>; running out is REQUEST_TIMED_OUT.</summary>
    public static T Blocking<T>(Func<CancellationToken, Task<T>> call, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return call(cts.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new KafkaException(new Error(ErrorCode.RequestTimedOut, $"No answer within {timeout.TotalMilliseconds:0} ms."));
        }
    }
}
