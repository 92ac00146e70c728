using Platform.Streams.Errors;

namespace Platform.Streams.Processors.Internal;

/// <summary>
/// A child as its parent calls it: its name and its <see cref="IRecordReceiver{TKey,TValue}.Process"/> as a delegate.
/// Every node forwards through the same shared generic code, where a call through the interface costs a lookup of the
/// interface for the record's types and a virtual stub dispatch, per record and hop (a word count makes two hops per
/// word); a delegate is one indirect call.
/// </summary>
internal readonly record struct Receiver<TKey, TValue>(string Name, Action<Record<TKey, TValue>> Process);

/// <summary>Turns a node's children into typed receivers, checking that what it forwards is what they take.</summary>
internal static class Receivers
{
    public static Receiver<TKey, TValue>[] Of<TKey, TValue>(ProcessorNode parent)
    {
        var receivers = new Receiver<TKey, TValue>[parent.Children.Count];
        for (var i = 0; i < receivers.Length; i++)
        {
            var child = parent.Children[i];
            var receiver = child as IRecordReceiver<TKey, TValue> ?? Adapt<TKey, TValue>(parent, child);
            receivers[i] = new Receiver<TKey, TValue>(child.Name, receiver.Process);
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
