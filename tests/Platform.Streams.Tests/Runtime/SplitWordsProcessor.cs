using Platform.Streams.Processors;

namespace Platform.Streams.Tests.Runtime;

/// <summary>Splits a line into lower-cased words, forwarding each keyed by itself (so a repartition groups them by word).</summary>
internal sealed class SplitWordsProcessor : IProcessor<string?, string?, string?, string?>
{
    private IProcessorContext<string?, string?> _context = null!;

    public void Init(IProcessorContext<string?, string?> context) => _context = context;

    public void Process(Record<string?, string?> record)
    {
        foreach (var word in (record.Value ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            var key = word.ToLowerInvariant();
            _context.Forward(new Record<string?, string?>(key, key, record.Timestamp));
        }
    }
}
