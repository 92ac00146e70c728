using System.Collections.Concurrent;
using System.Globalization;
using Platform.Connect;
using Platform.Connect.Connectors;
using Platform.Connect.Data;
using Platform.Connectors.Files.IO;

namespace Platform.Connectors.Files.SpoolDir;

/// <summary>Reads complete files from the spooling directory; see <see cref="SpoolDirSourceConnector"/>.</summary>
public sealed class SpoolDirSourceTask : SourceTask
{
    private const int FingerprintBytes = 1024;

    private readonly ConcurrentDictionary<string, SpoolFile> _inFlight = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _leftInPlace = new(StringComparer.Ordinal);
    private SpoolDirSettings _settings = null!;
    private SpoolFile? _current;

    /// <inheritdoc/>
    public override Task StartAsync(IReadOnlyDictionary<string, string> config, CancellationToken cancellationToken = default)
    {
        _settings = SpoolDirSettings.Parse(config);
        if (!Directory.Exists(_settings.InputPath))
        {
            throw new ConnectException($"input.path '{_settings.InputPath}' does not exist or is not a directory.");
        }

        Directory.CreateDirectory(_settings.ErrorPath);
        if (_settings.FinishedPath is not null)
        {
            Directory.CreateDirectory(_settings.FinishedPath);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override async Task<IReadOnlyList<SourceRecord>> PollAsync(CancellationToken cancellationToken)
    {
        _current ??= await OpenNextAsync(cancellationToken).ConfigureAwait(false);
        if (_current is null)
        {
            await Task.Delay(_settings.PollInterval, cancellationToken).ConfigureAwait(false);
            return [];
        }

        var file = _current;
        var reader = file.Reader!;
        var records = new List<SourceRecord>(Math.Min(_settings.BatchSize, 4096));
        var exhausted = false;
        while (records.Count < _settings.BatchSize)
        {
            if (!SpoolRecordReader.TryRead(file, _settings, out var schema, out var value))
            {
                exhausted = true;
                break;
            }

            records.Add(new SourceRecord(file.SourcePartition, file.Offset(reader.Position, reader.LinesRead), _settings.Topic,
                null, null, null, schema, value, null,
                [new ConnectHeader("file.name", Schema.StringSchema, file.Name), new ConnectHeader("file.line", Schema.Int64Schema, reader.LinesRead)]));
        }

        file.Emitted(records.Count);
        if (exhausted)
        {
            reader.Dispose();
            file.Reader = null;
            _current = null;
            if (file.MarkExhausted())
            {
                Finish(file);
            }
        }

        return records;
    }

    /// <inheritdoc/>
    public override Task CommitRecordAsync(SourceRecord record, RecordMetadata? metadata, CancellationToken cancellationToken = default)
    {
        if (record.SourcePartition.TryGetValue("file", out var name) && name is string fileName
            && _inFlight.TryGetValue(fileName, out var file) && file.Acknowledge())
        {
            Finish(file);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override Task StopAsync(CancellationToken cancellationToken = default)
    {
        _current?.Reader?.Dispose();
        _current = null;
        return Task.CompletedTask;
    }

    private async Task<SpoolFile?> OpenNextAsync(CancellationToken cancellationToken)
    {
        var now = DateTime.UtcNow;
        var candidates = new List<FileInfo>();
        foreach (var info in new DirectoryInfo(_settings.InputPath).EnumerateFiles())
        {
            if (info.Name.StartsWith('.') || !_settings.FilePattern.IsMatch(info.Name) || _inFlight.ContainsKey(info.Name)
                || (uint)StableHash(info.Name) % (uint)_settings.TaskCount != (uint)_settings.TaskIndex
                || now - info.LastWriteTimeUtc < _settings.MinimumAge)
            {
                continue;
            }

            candidates.Add(info);
        }

        if (candidates.Count == 0)
        {
            return null;
        }

        var beingWritten = OpenForWriteProbe.OpenForWriting(candidates.ConvertAll(c => c.FullName));
        foreach (var info in candidates.OrderBy(c => c.LastWriteTimeUtc).ThenBy(c => c.Name, StringComparer.Ordinal))
        {
            if (beingWritten.Contains(info.FullName))
            {
                continue;
            }

            var file = await TryOpenAsync(info, cancellationToken).ConfigureAwait(false);
            if (file is not null)
            {
                return file;
            }
        }

        return null;
    }

    private async Task<SpoolFile?> TryOpenAsync(FileInfo info, CancellationToken cancellationToken)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(info.FullName, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        var file = new SpoolFile(info.Name, info.FullName, FileIdentity.Inode(stream.SafeFileHandle), info.LastWriteTimeUtc.Ticks,
            FileIdentity.Fingerprint(stream.SafeFileHandle, FingerprintBytes, out _));
        if (_settings.CleanupPolicy == "none" && _leftInPlace.ContainsKey(file.Key))
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            return null;
        }

        file.Reader = new LineReader(stream, 0);
        var problem = _settings.InputFormat == "line" ? null : SpoolRecordReader.Validate(file, _settings);
        if (problem is not null)
        {
            file.Reader.Dispose();
            file.Reader = null;
            await MoveToErrorAsync(file, problem.Value, cancellationToken).ConfigureAwait(false);
            return null;
        }

        // Validation read the file; start over (past the CSV header) and resume where the stored offset says.
        file.Reader.Seek(0);
        file.Reader.SetLinesRead(0);
        SpoolRecordReader.ReadHeader(file, _settings);
        if (Context.OffsetStorageReader.Offset(file.SourcePartition) is { } offset && file.Matches(offset))
        {
            var position = Convert.ToInt64(offset["position"], CultureInfo.InvariantCulture);
            if (position > file.Reader.Position)
            {
                file.Reader.Seek(position);
                file.Reader.SetLinesRead(offset.TryGetValue("line", out var line) && line is not null ? Convert.ToInt64(line, CultureInfo.InvariantCulture) : 0);
            }
        }

        _inFlight[file.Name] = file;
        return file;
    }

    private async Task MoveToErrorAsync(SpoolFile file, SpoolProblem problem, CancellationToken cancellationToken)
    {
        var target = UniqueTarget(_settings.ErrorPath, file.Name);
        var message = $"{file.Name} line {problem.Line}: {problem.Message}";
        // The reason is written whole before the file shows up beside it; a stop (cancellation) midway would leave
        // a moved file with an empty reason.
        await File.WriteAllTextAsync(target + ".error", message + Environment.NewLine, CancellationToken.None).ConfigureAwait(false);
        File.Move(file.Path, target);

        // The bad line goes to the runtime's error handling (dead-letter topic or task failure); the file is safe already.
        var record = new SourceRecord(file.SourcePartition, file.Offset(problem.Position, problem.Line), _settings.Topic, null, null, null,
            Schema.StringSchema, problem.Text, null,
            [new ConnectHeader("file.name", Schema.StringSchema, file.Name), new ConnectHeader("file.line", Schema.Int64Schema, problem.Line),
                new ConnectHeader("file.error.path", Schema.StringSchema, target)]);
        await Context.ReportErrantRecordAsync(record, new DataException(message), cancellationToken).ConfigureAwait(false);
    }

    private void Finish(SpoolFile file)
    {
        try
        {
            switch (_settings.CleanupPolicy)
            {
                case "move":
                    File.Move(file.Path, UniqueTarget(_settings.FinishedPath!, file.Name));
                    break;
                case "delete":
                    File.Delete(file.Path);
                    break;
                default:
                    _leftInPlace[file.Key] = true;
                    break;
            }
        }
        catch (FileNotFoundException)
        {
            // Someone removed the file after it was read: nothing left to clean up.
        }

        _inFlight.TryRemove(file.Name, out _);
    }

    private static string UniqueTarget(string directory, string name)
    {
        var target = Path.Combine(directory, name);
        return File.Exists(target) ? Path.Combine(directory, $"{name}.{DateTime.UtcNow:yyyyMMddHHmmssfff}") : target;
    }

    // FNV-1a: stable across processes, unlike string.GetHashCode, so every task agrees which files are whose.
    private static int StableHash(string name)
    {
        var hash = 2166136261u;
        foreach (var c in name)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash & int.MaxValue);
    }
}
