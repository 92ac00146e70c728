namespace Platform.Client;

/// <summary>
/// <see cref="IObservable{T}"/> adapters for consumers, to compose with System.Reactive operators.
/// </summary>
public static class ConsumerObservableExtensions
{
    /// <summary>Set while an observer's <c>OnNext</c> runs, so that unsubscribing from inside it does not wait for itself.</summary>
    [ThreadStatic]
    private static bool _inCallback;

    /// <summary>
    /// The consumer's records as an observable: subscribing starts a loop on the thread pool that
    /// pushes every record to the observer (<c>OnNext</c> runs on that loop, one at a time); disposing
    /// the subscription stops it. A consume error ends the stream with <c>OnError</c>. One subscription
    /// at a time: a consumer has one position per partition.
    /// </summary>
    public static IObservable<ConsumeResult<TKey, TValue>> ToObservable<TKey, TValue>(this IConsumer<TKey, TValue> consumer)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        return new ConsumerObservable<TKey, TValue>(consumer);
    }

    private sealed class ConsumerObservable<TKey, TValue>(IConsumer<TKey, TValue> consumer) : IObservable<ConsumeResult<TKey, TValue>>
    {
        private int _subscribed;

        public IDisposable Subscribe(IObserver<ConsumeResult<TKey, TValue>> observer)
        {
            ArgumentNullException.ThrowIfNull(observer);
            if (Interlocked.Exchange(ref _subscribed, 1) != 0)
            {
                throw new InvalidOperationException("The consumer already has a subscriber; a consumer feeds one subscription at a time.");
            }

            var subscription = new Subscription(() => Volatile.Write(ref _subscribed, 0));
            subscription.Loop = Task.Run(() => PumpAsync(observer, subscription.Token), CancellationToken.None);
            return subscription;
        }

        private async Task PumpAsync(IObserver<ConsumeResult<TKey, TValue>> observer, CancellationToken cancellationToken)
        {
            try
            {
                await foreach (var result in consumer.ConsumeAllAsync(cancellationToken).ConfigureAwait(false))
                {
                    _inCallback = true;
                    try
                    {
                        observer.OnNext(result);
                    }
                    finally
                    {
                        _inCallback = false;
                    }
                }
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                observer.OnError(ex);
            }
            catch (Exception)
            {
                // Unsubscribed while failing: nobody listens any more.
            }
        }
    }

    private sealed class Subscription(Action onDispose) : IDisposable
    {
        private readonly CancellationTokenSource _cancel = new();
        private int _disposed;

        public CancellationToken Token => _cancel.Token;

        public Task Loop { get; set; } = Task.CompletedTask;

        /// <summary>Stops the loop and waits for it, unless called from within <c>OnNext</c> (which would wait on itself).</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            _cancel.Cancel();
            if (!Loop.IsCompleted && !_inCallback)
            {
                Loop.Wait(TimeSpan.FromSeconds(30));
            }

            onDispose();
        }
    }
}
