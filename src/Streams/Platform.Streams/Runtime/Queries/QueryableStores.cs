using Platform.Streams.State;

namespace Platform.Streams.Runtime.Queries;

/// <summary>
/// Turns the instances of one store (one per local task) into the view an interactive query asks for: the
/// store itself when there is one instance of the requested type, otherwise a composite over all of them;
/// timestamped key-value stores can be read as plain key-value stores.
/// </summary>
internal static class QueryableStores
{
    /// <summary>A <typeparamref name="T"/> over <paramref name="stores"/>.</summary>
    /// <exception cref="InvalidStateStoreException">The store is not of a kind <typeparamref name="T"/> can read.</exception>
    public static T Compose<T>(string storeName, IReadOnlyList<IStateStore> stores)
        where T : class
    {
        if (stores.Count == 1 && stores[0] is T single)
        {
            return single;
        }

        var type = typeof(T);
        if (type.IsGenericType)
        {
            var definition = type.GetGenericTypeDefinition();
            var args = type.GetGenericArguments();
            if (definition == typeof(IReadOnlyKeyValueStore<,>))
            {
                return (T)Invoke(nameof(KeyValue), args, storeName, stores);
            }

            if (definition == typeof(IReadOnlyWindowStore<,>))
            {
                return (T)Invoke(nameof(Window), args, storeName, stores);
            }

            if (definition == typeof(IReadOnlySessionStore<,>))
            {
                return (T)Invoke(nameof(Session), args, storeName, stores);
            }
        }

        throw new InvalidStateStoreException(
            $"State store '{storeName}' ({stores[0].GetType().Name}) cannot be read as {type.Name}; ask for IReadOnlyKeyValueStore<K,V>, IReadOnlyWindowStore<K,V> or IReadOnlySessionStore<K,V>.");
    }

    private static object Invoke(string method, Type[] args, string storeName, IReadOnlyList<IStateStore> stores)
    {
        try
        {
            return typeof(QueryableStores).GetMethod(method, System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .MakeGenericMethod(args)
                .Invoke(null, [storeName, stores])!;
        }
        catch (System.Reflection.TargetInvocationException ex) when (ex.InnerException is InvalidStateStoreException inner)
        {
            throw inner;
        }
    }

    private static IReadOnlyKeyValueStore<TKey, TValue> KeyValue<TKey, TValue>(string storeName, IReadOnlyList<IStateStore> stores)
    {
        var views = stores.Select(store => store switch
        {
            IReadOnlyKeyValueStore<TKey, TValue> plain => plain,
            IReadOnlyKeyValueStore<TKey, ValueAndTimestamp<TValue>> stamped => new TimestampedKeyValueStoreFacade<TKey, TValue>(stamped),
            _ => throw Mismatch(storeName, store, $"IReadOnlyKeyValueStore<{typeof(TKey).Name}, {typeof(TValue).Name}>"),
        }).ToList();
        return views.Count == 1 ? views[0] : new CompositeReadOnlyKeyValueStore<TKey, TValue>(views);
    }

    private static IReadOnlyWindowStore<TKey, TValue> Window<TKey, TValue>(string storeName, IReadOnlyList<IStateStore> stores)
    {
        var views = stores.Select(store => store switch
        {
            IReadOnlyWindowStore<TKey, TValue> plain => plain,
            IReadOnlyWindowStore<TKey, ValueAndTimestamp<TValue>> stamped => new TimestampedWindowStoreFacade<TKey, TValue>(stamped),
            _ => throw Mismatch(storeName, store, $"IReadOnlyWindowStore<{typeof(TKey).Name}, {typeof(TValue).Name}>"),
        }).ToList();
        return views.Count == 1 ? views[0] : new CompositeReadOnlyWindowStore<TKey, TValue>(views);
    }

    private static IReadOnlySessionStore<TKey, TValue> Session<TKey, TValue>(string storeName, IReadOnlyList<IStateStore> stores)
    {
        var views = stores.Select(store => store as IReadOnlySessionStore<TKey, TValue>
            ?? throw Mismatch(storeName, store, $"IReadOnlySessionStore<{typeof(TKey).Name}, {typeof(TValue).Name}>")).ToList();
        return views.Count == 1 ? views[0] : new CompositeReadOnlySessionStore<TKey, TValue>(views);
    }

    private static InvalidStateStoreException Mismatch(string storeName, IStateStore store, string wanted)
        => new($"State store '{storeName}' is a {store.GetType().Name}, which cannot be read as {wanted} (check the key and value types).");
}
