using System.Reactive.Disposables;
using System.Reactive.Linq;

namespace Platform.Client.Reactive;

/// <summary>
/// <see cref="IObservable{T}"/> adapters for consumers, to compose with System.Reactive operators.
/// </summary>
public static class ConsumerObservableExtensions
{
    /// <summary>Set while the loop calls the observer, so that unsubscribing from inside a callback does not wait for itself.</summary>
    [ThreadStatic]
    private static bool _inCallback;

    /// <summary>
    /// The consumer's records as an observable. Subscribing starts a loop on the thread pool that
    /// pushes every record to the observer (one call at a time, on that loop); disposing the
    /// subscription stops the loop and, unless done from within a callback, waits for it, so the
    /// consumer may be used again as soon as <c>Dispose</c> returns. A consume error ends the stream
    /// with <c>OnError</c>; it never completes by itself. One subscription at a time, since a consumer
    /// has one position per partition: a second concurrent subscriber gets <c>OnError</c> with an
    /// <see cref="InvalidOperationException"/>.
    /// </summary>
    public static IObservable<ConsumeResult<TKey, TValue>> ToObservable<TKey, TValue>(this IConsumer<TKey, TValue> consumer)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        var subscribed = 0;

        // Observable.Create wraps the observer so that nothing reaches it after OnError, OnCompleted
        // or disposal, and disposes the subscription when the stream ends.
        return Observable.Create<ConsumeResult<TKey, TValue>>(observer =>
        {
            if (Interlocked.Exchange(ref subscribed, 1) != 0)
            {
                observer.OnError(new InvalidOperationException("The consumer already has a subscriber; a consumer feeds one subscription at a time."));
                return Disposable.Empty;
            }

            var cancel = new CancellationDisposable();
            var loop = Task.Run(() => PumpAsync(consumer, observer, cancel.Token), CancellationToken.None);
            return Disposable.Create(() =>
            {
                cancel.Dispose();
                if (!_inCallback)
                {
                    // The consumer is not thread-safe: do not hand it back while the loop may still touch it.
                    try
                    {
                        loop.Wait(TimeSpan.FromSeconds(30));
                    }
                    catch (AggregateException)
                    {
                        // An observer threw from OnError (Rx's default when it has no error handler): the loop is over all the same.
                    }
                }

                Volatile.Write(ref subscribed, 0);
            });
        });
    }

    private static async Task PumpAsync<TKey, TValue>(IConsumer<TKey, TValue> consumer, IObserver<ConsumeResult<TKey, TValue>> observer, CancellationToken cancellationToken)
    {
        Exception? failure = null;
        try
        {
            await foreach (var result in consumer.ConsumeAllAsync(cancellationToken).ConfigureAwait(false))
            {
                Call(observer, result, null);
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            failure = ex;
        }
        catch (Exception)
        {
            // Unsubscribed while failing (or an observer threw after unsubscribing): nobody listens any more.
            return;
        }

        if (!cancellationToken.IsCancellationRequested)
        {
            Call(observer, null, failure);
        }
    }

    /// <summary>Calls the observer with the callback flag set; OnError when <paramref name="failure"/> is set, OnCompleted when there is no result.</summary>
    private static void Call<T>(IObserver<T> observer, T? value, Exception? failure)
        where T : class
    {
        _inCallback = true;
        try
        {
            if (failure is not null)
            {
                observer.OnError(failure);
            }
            else if (value is not null)
            {
                observer.OnNext(value);
            }
            else
            {
                observer.OnCompleted();
            }
        }
        finally
        {
            _inCallback = false;
        }
    }
}
