using Platform.Connect.Connectors;

namespace Platform.Connectors.Files.Sink;

/// <summary>The open temporary file of one partition: where it started, what it holds, when it was opened.</summary>
internal sealed class PartitionFileWriter : IDisposable
{
    private readonly FileStream _stream;

    public PartitionFileWriter(TopicPartitionRef partition, long startOffset, string temporaryPath)
    {
        Partition = partition;
        StartOffset = startOffset;
        EndOffset = startOffset - 1;
        TemporaryPath = temporaryPath;
        Opened = DateTime.UtcNow;

        // A temporary file of this name is a leftover of an uncommitted attempt at the same offsets: replace it.
        _stream = new FileStream(temporaryPath, FileMode.Create, FileAccess.Write, FileShare.Read, 64 * 1024);
    }

    public TopicPartitionRef Partition { get; }

    public long StartOffset { get; }

    public long EndOffset { get; private set; }

    public string TemporaryPath { get; }

    public DateTime Opened { get; }

    public long Records { get; private set; }

    public long Bytes => _stream.Length;

    public IReadOnlyList<string>? Columns { get; set; }

    public void WriteHeader(byte[] header) => _stream.Write(header);

    public void Write(long offset, byte[] line)
    {
        _stream.Write(line);
        EndOffset = offset;
        Records++;
    }

    /// <summary>Makes the file durable and closes it.</summary>
    public void Seal()
    {
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
    }

    public void Dispose() => _stream.Dispose();
}
