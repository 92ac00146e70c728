using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Platform.Connect.Rest;

namespace Platform.Connect.Runtime;

/// <summary>
/// Applies the config directory: every <c>*.json</c> directly in it is one connector in Kafka Connect's shape
/// (<c>{"name": ..., "config": {...}}</c>). New and changed files are validated and written to the configs topic,
/// deleted files delete their connector — on file-system notifications and on a periodic rescan (notifications get
/// lost on some file systems). An invalid file changes nothing; its problem, naming the file and the key, is logged
/// and kept in <see cref="Problems"/>. Connectors from files are marked with their file, so a file deleted while no
/// worker ran is noticed too; connectors created over REST are left alone.
/// </summary>
internal sealed class ConfigDirectoryWatcher : IAsyncDisposable
{
    private readonly string _directory;
    private readonly ConnectHerder _herder;
    private readonly TimeSpan _rescan;
    private readonly ILogger _logger;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, string> _problems = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private FileSystemWatcher? _watcher;
    private Task? _loop;

    public ConfigDirectoryWatcher(string directory, ConnectHerder herder, TimeSpan rescan, ILogger logger)
    {
        _directory = Path.GetFullPath(directory);
        _herder = herder;
        _rescan = rescan;
        _logger = logger;
    }

    /// <summary>The current problem of each invalid file, by file name.</summary>
    public IReadOnlyDictionary<string, string> Problems
    {
        get
        {
            lock (_lock)
            {
                return new Dictionary<string, string>(_problems, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Applies the directory once, then follows it.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_directory);
        await ScanAsync(cancellationToken).ConfigureAwait(false);
        _watcher = new FileSystemWatcher(_directory, "*.json") { IncludeSubdirectories = false, NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size };
        _watcher.Created += (_, _) => _wake.Writer.TryWrite(true);
        _watcher.Changed += (_, _) => _wake.Writer.TryWrite(true);
        _watcher.Deleted += (_, _) => _wake.Writer.TryWrite(true);
        _watcher.Renamed += (_, _) => _wake.Writer.TryWrite(true);
        _watcher.EnableRaisingEvents = true;
        _loop = Task.Run(LoopAsync, CancellationToken.None);
    }

    private async Task LoopAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            using (var wait = CancellationTokenSource.CreateLinkedTokenSource(token))
            {
                wait.CancelAfter(_rescan);
                try
                {
                    await _wake.Reader.ReadAsync(wait.Token).ConfigureAwait(false);

                    // Editors write in several steps: let the burst settle.
                    await Task.Delay(100, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!token.IsCancellationRequested)
                {
                    // Periodic rescan.
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            try
            {
                await ScanAsync(token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogInvalidConfigFile(_directory, e.Message);
            }
        }
    }

    /// <summary>One pass: apply every valid file, delete connectors whose file is gone.</summary>
    public async Task ScanAsync(CancellationToken cancellationToken)
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        var problems = new Dictionary<string, string>(StringComparer.Ordinal);
        var files = Directory.Exists(_directory) ? Directory.GetFiles(_directory, "*.json").Order(StringComparer.Ordinal).ToList() : [];
        foreach (var path in files)
        {
            var file = Path.GetFileName(path);
            try
            {
                var (name, config) = Parse(file, await ReadAsync(path, cancellationToken).ConfigureAwait(false));
                if (seen.TryGetValue(name, out var other))
                {
                    throw new FormatException($"connector name '{name}' is already used by {other}");
                }

                seen[name] = file;
                await ApplyAsync(file, name, config, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is FormatException or ConnectRestException or IOException or UnauthorizedAccessException)
            {
                var problem = e is ConnectRestException { StatusCode: 400 } ? e.Message.Replace("\n", "; ", StringComparison.Ordinal) : e.Message;
                problems[file] = $"{file}: {problem}";
            }
        }

        foreach (var name in _herder.ConnectorNames())
        {
            if (_herder.Get(name).SourceFile is { } file && !files.Any(f => Path.GetFileName(f) == file && seen.GetValueOrDefault(name) == file) && !problems.ContainsKey(file))
            {
                await _herder.DeleteAsync(name, file, cancellationToken).ConfigureAwait(false);
                _logger.LogConfigFileApplied(file, name, "deleted");
            }
        }

        lock (_lock)
        {
            foreach (var (file, problem) in problems)
            {
                if (_problems.GetValueOrDefault(file) != problem)
                {
                    _logger.LogInvalidConfigFile(file, problem);
                }
            }

            _problems.Clear();
            foreach (var (file, problem) in problems)
            {
                _problems[file] = problem;
            }
        }
    }

    private async Task ApplyAsync(string file, string name, Dictionary<string, string> config, CancellationToken cancellationToken)
    {
        if (_herder.Exists(name))
        {
            var existing = _herder.Get(name);
            if (existing.SourceFile is null)
            {
                throw new FormatException($"connector '{name}' already exists and was created over the REST API; delete it there or rename this one");
            }

            config[ConnectorConfig.Name] = name;
            if (existing.SourceFile == file && existing.Properties.Count == config.Count && existing.Properties.All(kv => config.GetValueOrDefault(kv.Key) == kv.Value))
            {
                return;
            }
        }

        var created = await _herder.PutConfigAsync(name, config, file, cancellationToken).ConfigureAwait(false);
        _logger.LogConfigFileApplied(file, name, created ? "created" : "updated");
    }

    private static async Task<string> ReadAsync(string path, CancellationToken cancellationToken)
    {
        // A file being written may be locked or half-written for a moment; the next scan sees it whole.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The connector name and config of a file's text.</summary>
    /// <exception cref="FormatException">Not Kafka Connect's shape; says which key.</exception>
    internal static (string Name, Dictionary<string, string> Config) Parse(string file, string text)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new FormatException($"not valid JSON: {e.Message}", e);
        }

        if (node is not JsonObject root)
        {
            throw new FormatException("expected an object {\"name\": ..., \"config\": {...}}");
        }

        if (root["name"] is not JsonValue nameValue || nameValue.GetValueKind() != JsonValueKind.String || nameValue.GetValue<string>().Trim().Length == 0)
        {
            throw new FormatException("key 'name': a non-empty string is required");
        }

        foreach (var (key, _) in root)
        {
            if (key is not ("name" or "config"))
            {
                throw new FormatException($"key '{key}': unknown top-level key; only 'name' and 'config' are allowed");
            }
        }

        var name = nameValue.GetValue<string>().Trim();
        Dictionary<string, string> config;
        try
        {
            config = ConnectHerder.StringMap(root["config"], "key 'config'");
        }
        catch (ConnectRestException e)
        {
            throw new FormatException(e.Message, e);
        }

        if (config.TryGetValue(ConnectorConfig.Name, out var inner) && inner != name)
        {
            throw new FormatException($"key 'config.name': '{inner}' differs from the top-level name '{name}'");
        }

        return (name, config);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _watcher?.Dispose();
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _stop.Dispose();
    }
}
