using Platform.Connect;
using Platform.Connect.Connectors;
using static Platform.Connectors.Files.Sink.FileSinkConnector;

namespace Platform.Connectors.Files.Sink;

/// <summary>Writes records to files exactly once; see <see cref="FileSinkConnector"/>.</summary>
public sealed class FileSinkTask : SinkTask
{
    private readonly Dictionary<TopicPartitionRef, PartitionFileWriter> _writers = [];
    private readonly Dictionary<TopicPartitionRef, long> _committed = [];
    private string _root = null!;
    private string _temporary = null!;
    private FileSinkManifest _manifest = null!;
    private FileRecordFormatter _formatter = null!;
    private long _rotateSize;
    private TimeSpan _rotateInterval;

    /// <inheritdoc/>
    public override Task StartAsync(IReadOnlyDictionary<string, string> config, CancellationToken cancellationToken = default)
    {
        var parsed = Definition.Parse(config);
        _root = Path.GetFullPath(parsed.GetString(PathKey)!);
        _temporary = Path.Combine(_root, "_temporary");
        _manifest = new FileSinkManifest(_root);
        Directory.CreateDirectory(_temporary);
        Directory.CreateDirectory(_manifest.Directory);
        _formatter = new FileRecordFormatter(parsed.GetString(FileFormat)!.ToLowerInvariant(), parsed.GetString(CsvSeparator)![0]);
        _rotateSize = parsed.GetLong(RotateSizeBytes);
        _rotateInterval = TimeSpan.FromMilliseconds(parsed.GetLong(RotateIntervalMs));
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override Task OpenAsync(IReadOnlyCollection<TopicPartitionRef> partitions, CancellationToken cancellationToken = default)
    {
        foreach (var partition in partitions)
        {
            var next = Recover(partition);
            if (next is { } offset)
            {
                _committed[partition] = offset;
                Context.Offset(partition, offset);
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override Task PutAsync(IReadOnlyList<SinkRecord> records, CancellationToken cancellationToken)
    {
        foreach (var record in records)
        {
            var partition = new TopicPartitionRef(record.OriginalTopic, record.OriginalKafkaPartition);
            var offset = record.OriginalKafkaOffset;
            if (record.Value is null
                || (_committed.TryGetValue(partition, out var committed) && offset < committed)
                || (_writers.TryGetValue(partition, out var open) && offset <= open.EndOffset))
            {
                continue; // A tombstone, or already written: redelivery after a restart or a retry.
            }

            var writer = Writer(partition, offset);
            if (writer.Records == 0 && _formatter.Columns(record.Value) is { } columns)
            {
                writer.Columns = columns;
                writer.WriteHeader(_formatter.Header(columns));
            }

            writer.Write(offset, _formatter.Format(record.Value, writer.Columns));
            if (writer.Bytes >= _rotateSize)
            {
                Commit(writer);
            }
        }

        CommitExpired();
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override Task<IReadOnlyDictionary<TopicPartitionRef, long>> PreCommitAsync(
        IReadOnlyDictionary<TopicPartitionRef, long> currentOffsets, CancellationToken cancellationToken = default)
    {
        // Only offsets of committed files are safe: the rest is still in temporary files that a crash discards.
        CommitExpired();
        IReadOnlyDictionary<TopicPartitionRef, long> safe = _committed
            .Where(kv => currentOffsets.ContainsKey(kv.Key))
            .ToDictionary(kv => kv.Key, kv => kv.Value);
        return Task.FromResult(safe);
    }

    /// <inheritdoc/>
    public override Task CloseAsync(IReadOnlyCollection<TopicPartitionRef> partitions, CancellationToken cancellationToken = default)
    {
        foreach (var partition in partitions)
        {
            if (_writers.TryGetValue(partition, out var writer))
            {
                Commit(writer);
            }

            _committed.Remove(partition);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override Task StopAsync(CancellationToken cancellationToken = default)
    {
        foreach (var writer in _writers.Values.ToList())
        {
            Commit(writer);
        }

        return Task.CompletedTask;
    }

    private PartitionFileWriter Writer(TopicPartitionRef partition, long offset)
    {
        if (!_writers.TryGetValue(partition, out var writer))
        {
            writer = new PartitionFileWriter(partition, offset, Path.Combine(_temporary, FileSinkNames.Temporary(partition, offset, _formatter.Extension)));
            _writers[partition] = writer;
        }

        return writer;
    }

    private void CommitExpired()
    {
        if (_rotateInterval <= TimeSpan.Zero)
        {
            return;
        }

        var now = DateTime.UtcNow;
        foreach (var writer in _writers.Values.Where(w => now - w.Opened >= _rotateInterval).ToList())
        {
            Commit(writer);
        }
    }

    private void Commit(PartitionFileWriter writer)
    {
        _writers.Remove(writer.Partition);
        if (writer.Records == 0)
        {
            writer.Dispose();
            File.Delete(writer.TemporaryPath);
            return;
        }

        writer.Seal();
        var name = FileSinkNames.Committed(writer.Partition, writer.StartOffset, writer.EndOffset, _formatter.Extension);
        var entry = new ManifestEntry(name, Path.GetFileName(writer.TemporaryPath), writer.Partition.Topic, writer.Partition.Partition,
            writer.StartOffset, writer.EndOffset, writer.Records, new FileInfo(writer.TemporaryPath).Length, DateTimeOffset.UtcNow);

        // The temporary file's name must survive a power loss before the manifest names it: recovery finishes the
        // rename below from it. The manifest syncs its own directory, so the offsets committed next never run ahead.
        Platform.IO.DirectorySync.SyncParentOf(writer.TemporaryPath);
        _manifest.Commit(entry);
        File.Move(writer.TemporaryPath, Path.Combine(_root, name));
        _committed[writer.Partition] = writer.EndOffset + 1;
        Context.RequestCommit();
    }

    /// <summary>
    /// Brings <paramref name="partition"/>'s files to a committed state after a crash: finishes the renames of
    /// files whose manifest entry exists, deletes temporary files without one. Returns the next offset to read.
    /// </summary>
    private long? Recover(TopicPartitionRef partition)
    {
        if (_writers.Remove(partition, out var stale))
        {
            stale.Dispose();
            File.Delete(stale.TemporaryPath);
        }

        var entries = _manifest.Read(partition);
        foreach (var entry in entries)
        {
            var committed = Path.Combine(_root, entry.File);
            var temporary = Path.Combine(_temporary, entry.Temporary);
            if (!File.Exists(committed) && File.Exists(temporary))
            {
                File.Move(temporary, committed);
            }
        }

        // What is left is uncommitted: its records will be read again from the committed offsets.
        foreach (var temporary in Directory.EnumerateFiles(_temporary, FileSinkNames.Prefix(partition) + "*"))
        {
            File.Delete(temporary);
        }

        return entries.Count == 0 ? null : entries.Max(e => e.EndOffset) + 1;
    }
}
