using System.CommandLine;
using Platform.Client;
using Platform.Client.Admin;

namespace Platform.Host.Commands;

/// <summary>Runs one action of an admin-client command and turns its failures into a message and an exit code.</summary>
internal static class AdminCommand
{
    /// <summary>
    /// Builds the admin client from <paramref name="connection"/>, runs <paramref name="action"/>, and answers
    /// 1 with <paramref name="errorPrefix"/> and the message on a Kafka, command or argument error, 130 when cancelled.
    /// </summary>
    public static async Task<int> RunAsync(
        ParseResult parse,
        ConnectionOptions connection,
        string clientId,
        string errorPrefix,
        Func<AdminClientConfig, IAdminClient> adminFactory,
        Func<IAdminClient, CommandOutput, Task<int>> action,
        CancellationToken cancellationToken)
    {
        var output = new CommandOutput(parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
        var config = new AdminClientConfig
        {
            BootstrapServers = parse.GetRequiredValue(connection.BootstrapServer),
            ClientId = clientId,
            RequestTimeoutMs = parse.GetValue(connection.RequestTimeout),
        };
        try
        {
            await using var admin = adminFactory(config);
            return await action(admin, output).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await output.Err.WriteLineAsync("Cancelled.").ConfigureAwait(false);
            return 130;
        }
        catch (Exception ex) when (ex is KafkaException or CommandException or ArgumentException)
        {
            await output.Err.WriteLineAsync(errorPrefix + ex.Message).ConfigureAwait(false);
            return 1;
        }
    }
}
