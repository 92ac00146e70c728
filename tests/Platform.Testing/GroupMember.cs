using System.Collections.Concurrent;
using Platform.Client;

namespace Platform.Testing;

/// <summary>A subscribed consumer polling on its own thread, recording what it receives and every rebalance callback.</summary>
public sealed class GroupMember : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private volatile bool _paused;

    public GroupMember(string bootstrap, string group, IEnumerable<string> topics, Action<ConsumerConfig>? configure = null, bool commitEachRecord = false)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = group,
            AutoOffsetReset = Client.AutoOffsetReset.Earliest,
            FetchMaxWaitMs = 50,
            SessionTimeoutMs = 6000,
            HeartbeatIntervalMs = 200,
        };
        configure?.Invoke(config);
        Consumer = new ConsumerBuilder<string?, string?>(config)
            .SetPartitionsAssignedHandler((_, added) => Events.Enqueue($"assigned {string.Join(",", added.Select(p => p.Partition).Order())}"))
            .SetPartitionsRevokedHandler((c, revoked) =>
            {
                Events.Enqueue($"revoked {string.Join(",", revoked.Select(p => p.Partition).Order())}");
                Revoked.Enqueue([.. revoked.Select(p => p.TopicPartition)]);
            })
            .SetPartitionsLostHandler((_, lost) => Events.Enqueue($"lost {string.Join(",", lost.Select(p => p.Partition).Order())}"))
            .Build();
        Consumer.Subscribe(topics);
        _thread = new Thread(() => Run(commitEachRecord)) { IsBackground = true, Name = "group-member" };
        _thread.Start();
    }

    public IConsumer<string?, string?> Consumer { get; }

    public ConcurrentQueue<ConsumeResult<string?, string?>> Received { get; } = new();

    public ConcurrentQueue<string> Events { get; } = new();

    public ConcurrentQueue<List<TopicPartition>> Revoked { get; } = new();

    public Exception? Failure { get; private set; }

    public List<TopicPartition> Assignment => Consumer.Assignment;

    /// <summary>Stops polling (the background heartbeats go on).</summary>
    public void Pause() => _paused = true;

    private void Run(bool commitEachRecord)
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                if (_paused)
                {
                    Thread.Sleep(20);
                    continue;
                }

                var result = Consumer.Consume(TimeSpan.FromMilliseconds(50));
                if (result is not null)
                {
                    Received.Enqueue(result);
                    if (commitEachRecord)
                    {
                        Consumer.Commit(result);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is not ObjectDisposedException || !_stop.IsCancellationRequested)
        {
            Failure = ex;
        }
    }

    /// <summary>Stops the polling thread, then closes (leaving the group unless configured otherwise).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _thread.Join();
        Consumer.Close();
    }

    /// <summary>Waits until <paramref name="condition"/> holds.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, int timeoutMs = 15000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline)
            {
                throw new TimeoutException($"Timed out waiting for: {what}");
            }

            await Task.Delay(20);
        }
    }
}
