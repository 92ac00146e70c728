using Etcdserverpb;
using Grpc.Core;

namespace Platform.Cluster;

/// <summary>A change of one key seen by a watch: a put (with its new value) or a delete.</summary>
public sealed record ClusterEvent(string Key, bool Deleted, ReadOnlyMemory<byte> Value, long ModRevision);

public sealed partial class EtcdClusterStore
{
    private static readonly TimeSpan WatchRetryDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Delivers every change under <paramref name="prefix"/> from <paramref name="startRevision"/> on, in revision
    /// order, one etcd revision's changes per call, until cancelled. A lost connection is resumed after the last
    /// delivered revision (another member answers if one died), so no change is skipped or repeated.
    /// </summary>
    /// <exception cref="WatchCompactedException">etcd no longer has the history from the revision to resume at: read the state again and watch from its revision + 1.</exception>
    public async Task WatchAsync(
        string prefix, long startRevision, Func<IReadOnlyList<ClusterEvent>, CancellationToken, ValueTask> onEvents, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        ArgumentNullException.ThrowIfNull(onEvents);
        var next = startRevision;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                using var call = OpenWatch(cancellationToken);
                await call.RequestStream.WriteAsync(
                    new WatchRequest
                    {
                        CreateRequest = new WatchCreateRequest { Key = Bytes(prefix), RangeEnd = Bytes(ClusterKeys.RangeEnd(prefix)), StartRevision = next },
                    },
                    cancellationToken).ConfigureAwait(false);
                while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
                {
                    var response = call.ResponseStream.Current;
                    if (response.CompactRevision != 0)
                    {
                        throw new WatchCompactedException(response.CompactRevision);
                    }

                    if (response.Canceled)
                    {
                        throw new ClusterException($"etcd cancelled the watch of {prefix}: {response.CancelReason}");
                    }

                    if (response.Events.Count == 0)
                    {
                        continue;
                    }

                    var events = response.Events
                        .Select(e => new ClusterEvent(e.Kv.Key.ToStringUtf8(), e.Type == Mvccpb.Event.Types.EventType.Delete, e.Kv.Value.Memory, e.Kv.ModRevision))
                        .ToArray();
                    await onEvents(events, cancellationToken).ConfigureAwait(false);
                    next = response.Events[^1].Kv.ModRevision + 1;
                }
            }
            catch (RpcException ex) when (!cancellationToken.IsCancellationRequested && ex.StatusCode != StatusCode.Cancelled)
            {
                // The member went away or the stream broke: resume from the next revision on whichever member answers.
            }
            catch (RpcException) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }

            await Task.Delay(WatchRetryDelay, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Brokers joining (a registration) and leaving (the id and null) from <paramref name="startRevision"/> on.</summary>
    /// <exception cref="WatchCompactedException">See <see cref="WatchAsync"/>.</exception>
    public Task WatchBrokersAsync(long startRevision, Func<int, BrokerRegistration?, ValueTask> onChange, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onChange);
        return WatchAsync(
            Keys.BrokersPrefix,
            startRevision,
            async (events, _) =>
            {
                foreach (var e in events)
                {
                    var id = int.Parse(e.Key.AsSpan(Keys.BrokersPrefix.Length), System.Globalization.CultureInfo.InvariantCulture);
                    await onChange(id, e.Deleted ? null : Parse(e.Value.Span, ClusterJsonContext.Default.BrokerRegistration))
                        .ConfigureAwait(false);
                }
            },
            cancellationToken);
    }

    /// <summary>Partition states changed (or, with a null state, deleted) from <paramref name="startRevision"/> on, with each new mod revision.</summary>
    /// <exception cref="WatchCompactedException">See <see cref="WatchAsync"/>.</exception>
    public Task WatchPartitionStatesAsync(
        long startRevision, Func<string, int, Versioned<PartitionState>?, ValueTask> onChange, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onChange);
        return WatchAsync(
            Keys.PartitionsPrefix,
            startRevision,
            async (events, _) =>
            {
                foreach (var e in events)
                {
                    var (topic, partition) = Keys.ParsePartition(e.Key);
                    Versioned<PartitionState>? state = e.Deleted
                        ? null
                        : new Versioned<PartitionState>(Parse(e.Value.Span, ClusterJsonContext.Default.PartitionState), e.ModRevision);
                    await onChange(topic, partition, state).ConfigureAwait(false);
                }
            },
            cancellationToken);
    }

    /// <summary>Returns once <paramref name="key"/> is deleted at a revision after <paramref name="afterRevision"/>, or at once if it no longer exists.</summary>
    private async Task WaitForDeleteAsync(string key, long afterRevision, CancellationToken cancellationToken)
    {
        using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            await WatchAsync(
                key,
                afterRevision + 1,
                (events, _) =>
                {
                    if (events.Any(e => e.Key == key && e.Deleted))
                    {
                        done.Cancel();
                    }

                    return ValueTask.CompletedTask;
                },
                done.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (done.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
        }
        catch (WatchCompactedException)
        {
            // The history is gone; the caller reads the key again, which is all a wait is for.
        }
    }
}
