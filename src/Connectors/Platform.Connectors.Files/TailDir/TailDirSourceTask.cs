using System.Collections.Concurrent;
using System.Globalization;
using Platform.Connect;
using Platform.Connect.Connectors;
using Platform.Connect.Data;
using Platform.Connectors.Files.IO;

namespace Platform.Connectors.Files.TailDir;

/// <summary>Tails the files matching the globs; see <see cref="TailDirSourceConnector"/>.</summary>
public sealed class TailDirSourceTask : SourceTask
{
    private const int IdleScansBeforeForgetting = 2;

    private readonly ConcurrentDictionary<string, TailedFile> _files = new(StringComparer.Ordinal);
    private TailDirSettings _settings = null!;
    private List<TailPosition> _saved = [];
    private List<TailedFile> _order = [];
    private DateTime _lastScan = DateTime.MinValue;
    private DateTime _lastFlush = DateTime.MinValue;
    private volatile bool _dirty;

    /// <inheritdoc/>
    public override Task StartAsync(IReadOnlyDictionary<string, string> config, CancellationToken cancellationToken = default)
    {
        _settings = TailDirSettings.Parse(config);
        _saved = TailPositionFile.Read(_settings.PositionFile);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override async Task<IReadOnlyList<SourceRecord>> PollAsync(CancellationToken cancellationToken)
    {
        if (DateTime.UtcNow - _lastScan >= _settings.PollInterval)
        {
            Scan();
        }

        var records = new List<SourceRecord>();
        foreach (var file in _order)
        {
            // Check the file is still the one read so far right before reading what is new, so a truncation
            // that was refilled past the position between two scans is not read from the middle.
            if (file.Reader.Stream.Length != file.Reader.Position)
            {
                file.CheckReplaced(_settings.FingerprintBytes);
            }

            while (records.Count < _settings.BatchSize && file.Reader.ReadLine(acceptUnterminated: false) is { } line)
            {
                var position = file.Reader.Position;
                file.Tracker.Emitted(position);
                var headers = new List<ConnectHeader>(2) { new(_settings.FileHeaderKey, Schema.StringSchema, file.Path) };
                if (file.Group is not null)
                {
                    headers.Add(new ConnectHeader("filegroup", Schema.StringSchema, file.Group));
                }

                records.Add(new SourceRecord(file.SourcePartition, new Dictionary<string, object?> { ["position"] = position, ["epoch"] = (long)file.Epoch },
                    _settings.Topic, null, null, null, Schema.StringSchema, line, null, headers));
            }
        }

        FlushPositions(force: false);
        if (records.Count == 0)
        {
            await Task.Delay(_settings.PollInterval, cancellationToken).ConfigureAwait(false);
        }

        return records;
    }

    /// <inheritdoc/>
    public override Task CommitRecordAsync(SourceRecord record, RecordMetadata? metadata, CancellationToken cancellationToken = default)
    {
        if (record.SourcePartition.TryGetValue("file", out var id) && id is string fileId && _files.TryGetValue(fileId, out var file)
            && Convert.ToInt32(record.SourceOffset["epoch"], CultureInfo.InvariantCulture) == file.Epoch
            && file.Tracker.Acknowledge(Convert.ToInt64(record.SourceOffset["position"], CultureInfo.InvariantCulture)))
        {
            _dirty = true;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override Task CommitAsync(CancellationToken cancellationToken = default)
    {
        FlushPositions(force: true);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_settings is not null)
        {
            FlushPositions(force: true);
        }

        foreach (var file in _files.Values)
        {
            file.Reader.Dispose();
        }

        _files.Clear();
        return Task.CompletedTask;
    }

    private void Scan()
    {
        _lastScan = DateTime.UtcNow;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var glob in _settings.Globs)
        {
            foreach (var path in glob.Matches())
            {
                var id = FileIdentity.Inode(path) ?? "path:" + path;
                if (!seen.Add(id))
                {
                    continue;
                }

                if (_files.TryGetValue(id, out var file))
                {
                    file.Path = path;
                    file.Group = glob.Group;
                    file.InGlobs = true;
                    file.IdleScansOutside = 0;
                    file.CheckReplaced(_settings.FingerprintBytes);
                }
                else if (Open(path, glob.Group) is { } opened)
                {
                    _files[opened.Id] = opened;
                    seen.Add(opened.Id);
                }
            }
        }

        foreach (var file in _files.Values)
        {
            if (seen.Contains(file.Id))
            {
                continue;
            }

            // Rotated away or deleted: drain it through the open handle, then let it go.
            file.InGlobs = false;
            file.IdleScansOutside = file.AtEnd ? file.IdleScansOutside + 1 : 0;
            if (file.IdleScansOutside >= IdleScansBeforeForgetting && _files.TryRemove(file.Id, out _))
            {
                file.Reader.Dispose();
                _dirty = true;
            }
        }

        // Rotated files first, then oldest first: the lines of a rotated log come before those of its successor.
        _order = _files.Values
            .OrderBy(f => f.InGlobs)
            .ThenBy(f => f.InGlobs ? File.GetLastWriteTimeUtc(f.Path) : DateTime.MinValue)
            .ThenBy(f => f.Path, StringComparer.Ordinal)
            .ToList();
    }

    private TailedFile? Open(string path, string? group)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        var handle = stream.SafeFileHandle;
        var inode = FileIdentity.Inode(handle);
        var id = inode ?? "path:" + path;
        var fingerprint = FileIdentity.Fingerprint(handle, _settings.FingerprintBytes, out var covered);
        var length = stream.Length;
        long position;
        var saved = _saved.Find(s => (inode is null ? s.Path == path : s.Inode == inode)
            && FileIdentity.Fingerprint(handle, s.FingerprintLength, out var n) == s.Fingerprint && n == s.FingerprintLength);
        long? originalPosition = null;
        foreach (var f in _files.Values.Where(f => f.Inode != inode && covered > 0))
        {
            if (f.FingerprintLength == covered && f.Fingerprint == fingerprint)
            {
                originalPosition = f.Reader.Position;
            }
            else if (f.Former is { } former && former.Length == covered && former.Fingerprint == fingerprint)
            {
                originalPosition = former.Position;
            }
        }

        if (saved is not null)
        {
            position = saved.Position <= length ? saved.Position : 0;
        }
        else if (originalPosition is { } read)
        {
            // A copy of a file already read (copytruncate rotation): what was read of the original is not read again.
            position = Math.Min(read, length);
        }
        else
        {
            position = _settings.SkipToEnd ? length : 0;
        }

        return new TailedFile(id, inode, path, group, new LineReader(stream, position), fingerprint, covered);
    }

    private void FlushPositions(bool force)
    {
        if (!_dirty || (!force && DateTime.UtcNow - _lastFlush < _settings.PositionFlushInterval))
        {
            return;
        }

        _dirty = false;
        _lastFlush = DateTime.UtcNow;
        TailPositionFile.Write(_settings.PositionFile, _files.Values.Select(f => f.ToPosition()).ToList());
    }
}
