using System.Text;
using Platform.Streams.Processors;

namespace Platform.Streams.Tests.Engine;

/// <summary>Forwards a description of each record's metadata, and adds a header.</summary>
internal sealed class MetadataProcessor : IProcessor<string, string, string, string>
{
    private IProcessorContext<string, string> _context = null!;

    public void Init(IProcessorContext<string, string> context) => _context = context;

    public void Process(Record<string, string> record)
    {
        var metadata = _context.RecordMetadata!;
        var headers = record.Headers ?? new Platform.Client.Headers();
        headers.Add("seen-by", Encoding.UTF8.GetBytes("metadata"));
        var description = $"{metadata.Topic}/{metadata.Partition}/{metadata.Offset} ts={record.Timestamp} stream={_context.CurrentStreamTimeMs} task={_context.TaskId} app={_context.ApplicationId}";
        _context.Forward(new Record<string, string>(record.Key, description, record.Timestamp + 1, headers));
    }
}
