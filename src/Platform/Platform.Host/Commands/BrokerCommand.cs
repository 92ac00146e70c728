using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Platform.Broker;
using Platform.Broker.Cluster;

namespace Platform.Host.Commands;

/// <summary>
/// <c>platform broker</c>: one broker until SIGINT/SIGTERM. Settings come, later ones winning, from
/// Kafka's defaults, <c>appsettings.json</c>, <c>PLATFORM_</c> environment variables, <c>--config</c>
/// and the command line; all under the <c>Broker</c> section in Kafka's key names.
/// </summary>
internal static class BrokerCommand
{
    private static readonly Option<string?> Listen = new("--listen") { Description = "Address to listen on, host:port (listeners). Default 127.0.0.1:9092." };
    private static readonly Option<string?> DataDir = new("--data-dir") { Description = "Directory for the logs (log.dirs). Default ./data." };
    private static readonly Option<int?> NodeId = new("--node-id") { Description = "This broker's id (node.id). Default 1." };
    private static readonly Option<string?> Advertise = new("--advertise") { Description = "Address clients are told to connect to, host:port (advertised.listeners)." };
    private static readonly Option<string?> Etcd = new("--etcd")
    {
        Description = "etcd client URLs, http://host:port[,...] (etcd.endpoints): run as one broker of a cluster whose metadata and controller election live there.",
    };

    private static readonly Option<FileInfo?> ConfigFile = new("--config")
    {
        Description = "A configuration file: Kafka's server.properties (*.properties, key=value) or JSON, e.g. { \"Broker\": { \"log.retention.ms\": 86400000 } }.",
    };

    public static Command Create()
    {
        var command = new Command("broker", "Run one broker until SIGINT/SIGTERM.") { Listen, DataDir, NodeId, Advertise, Etcd, ConfigFile };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, cancellationToken));
        return command;
    }

    /// <summary>
    /// Without a verb, <c>platform</c> runs everything with embedded defaults: the broker on 127.0.0.1:9092 (data under
    /// ./data) and a Connect worker (REST on 127.0.0.1:8083, <c>connectors-config/</c> applied) in one process;
    /// <c>--config</c> configures the broker as for <c>platform broker</c>, <c>--worker-config</c> the worker as for <c>platform connect</c>.
    /// </summary>
    public static void ConfigureAllInOne(RootCommand root)
    {
        root.Add(ConfigFile);
        root.Add(ConnectCommand.WorkerConfig);
        root.SetAction((parse, cancellationToken) => RunAsync(parse, cancellationToken, withWorker: true));
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken, bool withWorker = false)
    {
        IHost host;
        try
        {
            host = Build(parse, withWorker);
        }
        catch (Exception e) when (e is OptionsValidationException or InvalidDataException or FileNotFoundException or FormatException or ArgumentException)
        {
            await Console.Error.WriteLineAsync($"platform: invalid configuration: {e.Message}").ConfigureAwait(false);
            return 2;
        }

        if (BrokerPreflight.Check(host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<BrokerOptions>>().Value) is { } problem)
        {
            await Console.Error.WriteLineAsync($"platform: broker cannot start: {problem}").ConfigureAwait(false);
            host.Dispose();
            return 1;
        }

        var started = false;
        var exitCode = 0;
        try
        {
            // meta.properties first, outside the host: its errors (a full disk, a damaged file) then end in one line,
            // without the host's own log of a failed start.
            host.Services.GetRequiredService<ClusterInfo>();
            var hosted = new HostedFailure(host);
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            started = true;
            await host.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            if (hosted.Exception is { } failure)
            {
                await Console.Error.WriteLineAsync($"platform: {(withWorker ? "stopped" : "broker stopped")} with an error: {failure.Message}").ConfigureAwait(false);
                exitCode = 1;
            }
        }
        catch (Exception e) when (Unwrap(e) is { } failure)
        {
            // One line: what failed and why (a full disk, a vanished data directory); the broker's own log has the detail.
            var when = started ? "broker stopped with an error" : "broker failed to start";
            await Console.Error.WriteLineAsync($"platform: {when}: {failure.Message}").ConfigureAwait(false);
            exitCode = 1;
        }
        finally
        {
            exitCode = await DisposeAsync(host, exitCode).ConfigureAwait(false);
        }

        return exitCode;
    }

    /// <summary>
    /// Disposing closes what the host opened, the logs of a failed start too. A close that fails for the reason just
    /// reported (the same full disk or open-file limit) is no news: the broker's log names the log, which recovers
    /// at the next start; after a clean run it is the one line.
    /// </summary>
    private static async Task<int> DisposeAsync(IHost host, int exitCode)
    {
        try
        {
            host.Dispose();
            return exitCode;
        }
        catch (Exception e) when (Unwrap(e) is { } failure)
        {
            if (exitCode == 0)
            {
                await Console.Error.WriteLineAsync($"platform: broker stopped with an error: {failure.Message}").ConfigureAwait(false);
            }

            return 1;
        }
    }

    /// <summary>The failure to report if <paramref name="e"/> (or every exception an AggregateException holds) is one the broker explains in a line.</summary>
    private static Exception? Unwrap(Exception e)
    {
        if (e is AggregateException aggregate)
        {
            var inner = aggregate.Flatten().InnerExceptions;
            return inner.Count > 0 && inner.All(i => Unwrap(i) is not null) ? Unwrap(inner[0]) : null;
        }

        return e is OptionsValidationException or System.Net.Sockets.SocketException or IOException or InvalidDataException or UnauthorizedAccessException or Storage.LogException or Platform.Cluster.ClusterException ? e : null;
    }

    /// <summary>The sections a configuration file may have: a misspelt one would otherwise be ignored with all its settings.</summary>
    private static readonly string[] KnownSections = [BrokerOptions.SectionName, "Logging"];

    private static void CheckSections(FileInfo file)
    {
        using var stream = file.OpenRead();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"--config: '{file.FullName}' is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"--config: '{file.FullName}' must hold a JSON object with a \"{BrokerOptions.SectionName}\" section.");
            }

            foreach (var section in document.RootElement.EnumerateObject())
            {
                if (!KnownSections.Contains(section.Name, StringComparer.OrdinalIgnoreCase))
                {
                    throw new InvalidDataException(
                        $"--config: unknown section \"{section.Name}\" in '{file.FullName}' (known: {string.Join(", ", KnownSections)}).");
                }
            }
        }
    }

    /// <summary>
    /// Settings are read once at start: a reloading appsettings.json watches the working directory recursively, ./data
    /// included, and took an inotify event (read, lstat) for every append. Given as an argument, which the host reads
    /// before it adds its JSON sources (a value set on a <c>ConfigurationManager</c> passed in did not take).
    /// </summary>
    internal const string NoConfigReload = "--hostBuilder:reloadConfigOnChange=false";

    private static IHost Build(ParseResult parse, bool withWorker)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [NoConfigReload],
            ContentRootPath = Environment.CurrentDirectory,
        });
        builder.Configuration.AddEnvironmentVariables("PLATFORM_");
        if (parse.GetValue(ConfigFile) is { } file)
        {
            if (!file.Exists)
            {
                throw new FileNotFoundException($"--config: file '{file.FullName}' does not exist.");
            }

            if (file.Extension.Equals(".properties", StringComparison.OrdinalIgnoreCase))
            {
                builder.Configuration.AddInMemoryCollection(PropertiesFile.Read(file.FullName)
                    .Select(p => new KeyValuePair<string, string?>($"{BrokerOptions.SectionName}:{p.Key}", p.Value)));
            }
            else
            {
                CheckSections(file);
                builder.Configuration.AddJsonFile(file.FullName, optional: false);
            }
        }

        var overrides = new Dictionary<string, string?>();
        void Override(string key, string? value)
        {
            if (value is not null)
            {
                overrides[$"{BrokerOptions.SectionName}:{key}"] = value;
            }
        }

        Override("listeners", parse.GetValue(Listen));
        Override("log.dirs", parse.GetValue(DataDir));
        Override("node.id", parse.GetValue(NodeId)?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Override("advertised.listeners", parse.GetValue(Advertise));
        Override("etcd.endpoints", parse.GetValue(Etcd));
        builder.Configuration.AddInMemoryCollection(overrides);

        var options = new BrokerOptions();
        foreach (var warning in BrokerConfiguration.Bind(builder.Configuration.GetSection(BrokerOptions.SectionName), options))
        {
            Console.Error.WriteLine($"platform: warning: {warning}");
        }
        options.Validate();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Services.AddPlatformBroker(o => BrokerOptions.CopyTo(options, o));
        if (withWorker)
        {
            // Registered after the broker, so the broker listens before the worker connects.
            builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
            ConnectCommand.AddAllInOneWorker(builder.Services, options.Listen, parse.GetValue(ConnectCommand.WorkerConfig));
        }

        return builder.Build();
    }
}
