using System.CommandLine;
using Platform.Client.Network;

namespace Platform.Host.Commands;

/// <summary>How the admin-client commands (<c>topics</c>, <c>groups</c>, <c>transactions</c>) reach the cluster.</summary>
internal sealed class ConnectionOptions
{
    public ConnectionOptions()
    {
        BootstrapServer.Validators.Add(r =>
        {
            try
            {
                BrokerAddress.ParseList(r.GetValueOrDefault<string>() ?? "");
            }
            catch (FormatException ex)
            {
                r.AddError($"--bootstrap-server: {ex.Message}");
            }
        });
        RequestTimeout.AtLeast(1);
    }

    public Option<string> BootstrapServer { get; } = new("--bootstrap-server")
    {
        Description = "The broker(s) to connect to, host:port[,host:port...].",
        Required = true,
    };

    public Option<int?> RequestTimeout { get; } = new("--request-timeout-ms")
    {
        Description = "How long to wait for each broker response (request.timeout.ms).",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(BootstrapServer);
        command.Options.Add(RequestTimeout);
    }
}
