using Platform.Streams.Processors;

namespace Platform.Streams.Dsl.Internal;

/// <summary><c>Print</c>: writes <c>[label]: key, value</c> per record, as Kafka's <c>PrintForeachAction</c>.</summary>
internal sealed class KStreamPrint<TKey, TValue>(TextWriter? writer, Func<TKey, TValue, string>? mapper, string label) : ContextualProcessor<TKey, TValue, TKey, TValue>
{
    public override void Process(Record<TKey, TValue> record)
    {
        var text = mapper is null ? $"{Show(record.Key)}, {Show(record.Value)}" : mapper(record.Key, record.Value);
        var target = writer ?? Console.Out;
        target.WriteLine($"[{label}]: {text}");
        target.Flush();
    }

    private static string Show<T>(T value) => value?.ToString() ?? "null";
}
