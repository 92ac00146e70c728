using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Platform.Client;
using Platform.Streams;
using Platform.Streams.Hosting;

namespace Platform.Examples;

/// <summary>
/// Runs an example topology as a hosted worker: parses the command line, creates missing topics, and runs
/// <see cref="KafkaStreams"/> under the generic host until SIGTERM or Ctrl+C (a clean close commits).
/// </summary>
internal static class ExampleHost
{
    /// <summary>Exit code for a bad command line.</summary>
    public const int UsageError = 2;

    /// <summary>Exit code when the broker cannot be reached or the application fails.</summary>
    public const int Failure = 1;

    public static async Task<int> RunAsync(string[] args, string example, string defaultApplicationId, Func<StreamsConfig?, Topology> topology, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs)
    {
        if (args is ["--help"] or ["-h"])
        {
            Console.WriteLine(ExampleArguments.Usage(example, defaultApplicationId));
            return 0;
        }

        if (args is ["--describe"])
        {
            // The topology as Kafka prints it, then as a Mermaid diagram (the README's come from here).
            var described = topology(null);
            Console.WriteLine(described.Describe());
            Console.WriteLine(described.ToMermaid());
            return 0;
        }

        ExampleArguments arguments;
        try
        {
            arguments = ExampleArguments.Parse(args, defaultApplicationId);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            await Console.Error.WriteLineAsync(ExampleArguments.Usage(example, defaultApplicationId)).ConfigureAwait(false);
            return UsageError;
        }

        // The content root is the program's folder so its appsettings.json is found wherever it is started from.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        builder.Services.AddStreams((_, config) => topology(config), config =>
        {
            // The command line wins over appsettings.json and environment variables (Streams__<key>).
            config[StreamsConfig.BootstrapServersConfig] = arguments.BootstrapServer;
            config[StreamsConfig.ProcessingGuaranteeConfig] = arguments.ProcessingGuarantee;
            config[StreamsConfig.ApplicationIdConfig] = arguments.ApplicationId;

            // Kafka's 30 s commit interval suits throughput; a first run should show results within a second
            // (exactly_once_v2 keeps its own 100 ms default).
            if (config[StreamsConfig.CommitIntervalMsConfig] is null && arguments.ProcessingGuarantee == StreamsConfig.AtLeastOnce)
            {
                config[StreamsConfig.CommitIntervalMsConfig] = "1000";
            }
        });
        using var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(example);
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        try
        {
            var created = await ExampleTopics.EnsureAsync(arguments.BootstrapServer, inputs, outputs, lifetime.ApplicationStopping).ConfigureAwait(false);
            if (created.Count > 0)
            {
                ExampleLog.CreatedTopics(logger, created);
            }
        }
        catch (KafkaException e)
        {
            await Console.Error.WriteLineAsync($"error: cannot prepare topics on {arguments.BootstrapServer}: {e.Message}").ConfigureAwait(false);
            return Failure;
        }

        var streams = host.Services.GetRequiredService<KafkaStreams>();
        await host.RunAsync().ConfigureAwait(false);
        return streams.FatalException is null ? 0 : Failure;
    }
}
