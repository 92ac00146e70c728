using Platform.Streams.Errors;

namespace Platform.Streams.Processors.Internal;

/// <summary>Turns a node's children into typed receivers, checking that what it forwards is what they take.</summary>
internal static class Receivers
{
    public static IRecordReceiver<TKey, TValue>[] Of<TKey, TValue>(ProcessorNode parent)
    {
        var receivers = new IRecordReceiver<TKey, TValue>[parent.Children.Count];
        for (var i = 0; i < receivers.Length; i++)
        {
            var child = parent.Children[i];
            receivers[i] = child as IRecordReceiver<TKey, TValue> ?? Adapt<TKey, TValue>(parent, child);
        }

        return receivers;
    }

    private static IRecordReceiver<TKey, TValue> Adapt<TKey, TValue>(ProcessorNode parent, ProcessorNode child)
    {
        foreach (var implemented in child.GetType().GetInterfaces())
        {
            if (!implemented.IsGenericType || implemented.GetGenericTypeDefinition() != typeof(IRecordReceiver<,>))
            {
                continue;
            }

            var arguments = implemented.GetGenericArguments();
            if (arguments[0].IsAssignableFrom(typeof(TKey)) && arguments[1].IsAssignableFrom(typeof(TValue)))
            {
                var adapter = typeof(CastingReceiver<,,,>).MakeGenericType(typeof(TKey), typeof(TValue), arguments[0], arguments[1]);
                return (IRecordReceiver<TKey, TValue>)Activator.CreateInstance(adapter, child)!;
            }

            throw new TopologyException(
                $"'{parent.Name}' forwards records of <{typeof(TKey).Name}, {typeof(TValue).Name}> but its child '{child.Name}' takes <{arguments[0].Name}, {arguments[1].Name}>.");
        }

        throw new TopologyException($"'{child.Name}' is a source and cannot be the child of '{parent.Name}'.");
    }
}
