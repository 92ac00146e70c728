using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Platform.Connect.Hosting;
using Platform.Connect.Plugins;
using Platform.Connect.Runtime;

namespace Platform.Host.Commands;

/// <summary>
/// <c>platform connect</c>: a Connect worker against any broker (ours or Kafka) until SIGINT/SIGTERM; workers with the
/// same <c>--group-id</c> form one cluster. <c>platform connect schemas --out DIR</c> writes the JSON Schema of every
/// connector plugin's config files.
/// </summary>
internal static class ConnectCommand
{
    // Why the two places platform finds Connect's plugins by reflection (AddWorker, ScanPlugins) are safe in the
    // published (native) executable.
    private const string PluginsKept = "Platform.Host.csproj keeps the assemblies holding plugins whole (TrimmerRootAssembly), so the scan finds them all.";

    private static readonly Option<string> Bootstrap = new("--bootstrap-server") { Description = "The broker(s), host:port[,host:port...].", Required = true };
    private static readonly Option<string> RestListen = new("--rest-listen") { Description = "Address of the REST API, host:port.", DefaultValueFactory = _ => "127.0.0.1:8083" };
    private static readonly Option<string> ConfigDir = new("--config-dir") { Description = "Directory of connector configs (*.json), applied live.", DefaultValueFactory = _ => "connectors-config" };
    private static readonly Option<string> GroupId = new("--group-id") { Description = "Workers with the same group id form one cluster (group.id).", DefaultValueFactory = _ => "connect-cluster" };
    /// <summary><c>--worker-config</c>, shared by <c>platform connect</c> and the all-in-one <c>platform</c>.</summary>
    public static readonly Option<FileInfo?> WorkerConfig = new("--worker-config")
    {
        Description = "A worker properties file in Kafka's connect-distributed.properties form (key=value: group.id, offset.flush.interval.ms, "
            + "session.timeout.ms, consumer.*, producer.*, ...); options given on the command line win.",
    };

    private static readonly Option<string> SchemasOut = new("--out") { Description = "Directory to write the schemas to.", Required = true };

    public static Command Create()
    {
        var command = new Command("connect", "Run a Connect worker (Kafka Connect's REST API and config topics) until SIGINT/SIGTERM.")
        {
            Bootstrap, RestListen, ConfigDir, GroupId, WorkerConfig,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, cancellationToken));
        var schemas = new Command("schemas", "Write the JSON Schema of each connector plugin's config file (<Plugin>.schema.json).") { SchemasOut };
        schemas.SetAction(parse => WriteSchemas(parse.GetValue(SchemasOut)!));
        command.Add(schemas);
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        IHost host;
        try
        {
            var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [BrokerCommand.NoConfigReload], ContentRootPath = Environment.CurrentDirectory });
            ConfigureLogging(builder.Logging);
            AddWorker(builder.Services, o => Configure(o, parse));
            host = builder.Build();
        }
        catch (Exception e) when (e is ArgumentException or IOException)
        {
            await Console.Error.WriteLineAsync($"platform connect: invalid configuration: {e.Message}").ConfigureAwait(false);
            return 2;
        }

        try
        {
            var hosted = new HostedFailure(host);
            await host.RunAsync(cancellationToken).ConfigureAwait(false);
            if (hosted.Exception is { } failure)
            {
                await Console.Error.WriteLineAsync($"platform connect: worker failed: {failure.Message}").ConfigureAwait(false);
                return 1;
            }

            return 0;
        }
        catch (Exception e) when (e is Platform.Client.KafkaException or System.Net.Sockets.SocketException or IOException)
        {
            await Console.Error.WriteLineAsync($"platform connect: worker failed: {e.Message}").ConfigureAwait(false);
            return 1;
        }
        finally
        {
            host.Dispose();
        }
    }

    /// <summary>The command line's options over the worker properties file's over the defaults.</summary>
    private static void Configure(WorkerOptions options, ParseResult parse)
    {
        void Apply(bool explicitOnly)
        {
            if (!explicitOnly || parse.GetResult(Bootstrap) is { Implicit: false })
            {
                options.BootstrapServers = parse.GetValue(Bootstrap)!;
            }

            if (!explicitOnly || parse.GetResult(RestListen) is { Implicit: false })
            {
                options.RestListen = parse.GetValue(RestListen);
            }

            if (!explicitOnly || parse.GetResult(GroupId) is { Implicit: false })
            {
                options.GroupId = parse.GetValue(GroupId)!;
            }
        }

        options.ConfigDirectory = parse.GetValue(ConfigDir);
        Apply(explicitOnly: false);
        if (parse.GetValue(WorkerConfig) is { } file)
        {
            LoadWorkerConfig(options, file);
            Apply(explicitOnly: true);
        }
    }

    private static void LoadWorkerConfig(WorkerOptions options, FileInfo file)
    {
        if (!file.Exists)
        {
            throw new FileNotFoundException($"--worker-config: file '{file.FullName}' does not exist.");
        }

        options.LoadProperties(file.FullName);
    }

    /// <summary>Console logging of the worker, without ASP.NET Core's per-request lines.</summary>
    public static void ConfigureLogging(ILoggingBuilder logging)
    {
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
    }

    /// <summary>
    /// Adds the all-in-one worker: REST on 127.0.0.1:8083, <c>connectors-config/</c>, against the broker listening on
    /// <paramref name="brokerListen"/>; a <paramref name="workerConfig"/> file (as <c>platform connect --worker-config</c>
    /// takes) overrides those defaults, except the broker: the all-in-one worker always uses its own.
    /// </summary>
    /// <exception cref="FileNotFoundException">The worker config file does not exist.</exception>
    /// <exception cref="ArgumentException">The file sets <c>bootstrap.servers</c>, or a line or property is invalid; names the file, line and key.</exception>
    public static void AddAllInOneWorker(Microsoft.Extensions.DependencyInjection.IServiceCollection services, string brokerListen, FileInfo? workerConfig)
    {
        var bootstrap = WorkerOptions.TryParseEndpoint(brokerListen, out var host, out var port) && host is "0.0.0.0" or "::" or "[::]"
            ? $"127.0.0.1:{port}"
            : brokerListen;
        AddWorker(services, o =>
        {
            o.RestListen = "127.0.0.1:8083";
            o.ConfigDirectory = "connectors-config";
            if (workerConfig is not null)
            {
                o.BootstrapServers = "";
                LoadWorkerConfig(o, workerConfig);
                if (o.BootstrapServers.Length > 0)
                {
                    throw new ArgumentException($"--worker-config: '{workerConfig.FullName}' sets bootstrap.servers, but the all-in-one worker always uses "
                        + $"its own broker ({bootstrap}); run 'platform connect --bootstrap-server ...' for a worker against another broker.");
                }
            }

            o.BootstrapServers = bootstrap;
        });
    }

    private static int WriteSchemas(string directory)
    {
        Directory.CreateDirectory(directory);
        var options = new JsonSerializerOptions { WriteIndented = true };
        foreach (var type in ScanPlugins().Connectors)
        {
            var path = Path.Combine(directory, $"{type.Name}.schema.json");
            File.WriteAllText(path, ConnectorJsonSchema.For(type).ToJsonString(options) + Environment.NewLine);
            Console.WriteLine(path);
        }

        return 0;
    }

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = PluginsKept)]
    private static void AddWorker(Microsoft.Extensions.DependencyInjection.IServiceCollection services, Action<WorkerOptions> configure)
        => services.AddPlatformConnect(configure);

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = PluginsKept)]
    private static PluginRegistry ScanPlugins() => PluginRegistry.Scan();
}
