using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Platform.Host.Commands;

/// <summary>
/// <c>platform cluster --brokers 3 --data-dir DIR [--etcd URL[,URL]]</c>: a cluster on one machine for development:
/// a local etcd (unless --etcd names one; the <c>etcd</c> binary from PATH) and N <c>platform broker</c> processes on
/// consecutive ports, node ids 1..N, data under DIR. Their output is prefixed with their name. A broker that dies is
/// reported and the rest run on (a failover can be tried by killing one); SIGINT/SIGTERM stops the brokers one by one
/// (each a controlled shutdown), then etcd.
/// </summary>
internal static class ClusterCommand
{
    public static Command Create()
    {
        var brokers = new Option<int>("--brokers") { Description = "How many brokers (default 3).", DefaultValueFactory = _ => 3 };
        brokers.AtLeast(1);
        var dataDir = new Option<string>("--data-dir") { Description = "Where etcd's and each broker's data go (DIR/etcd, DIR/broker-N).", Required = true };
        var etcd = new Option<string?>("--etcd") { Description = "An etcd to use, http://host:port[,...]; default: start one on port 2379 with its data in DIR/etcd." };
        var etcdPort = new Option<int>("--etcd-port") { Description = "Without --etcd: the local etcd's client port; its peer port is the next (default 2379).", DefaultValueFactory = _ => 2379 };
        etcdPort.AtLeast(1);
        var port = new Option<int>("--port") { Description = "The first broker's port; the others follow (default 9092).", DefaultValueFactory = _ => 9092 };
        port.AtLeast(1);
        var config = new Option<FileInfo?>("--config") { Description = "A configuration file every broker reads (as platform broker --config)." };
        var command = new Command("cluster", "Run a local cluster for development: etcd and N brokers on consecutive ports, until SIGINT/SIGTERM.")
        {
            brokers, dataDir, etcd, etcdPort, port, config,
        };
        command.SetAction((parse, ct) => RunAsync(
            parse.GetValue(brokers), parse.GetRequiredValue(dataDir), parse.GetValue(etcd), parse.GetValue(etcdPort), parse.GetValue(port), parse.GetValue(config), ct));
        return command;
    }

    private static async Task<int> RunAsync(int count, string dataDir, string? etcd, int etcdPort, int firstPort, FileInfo? config, CancellationToken cancellationToken)
    {
        if (firstPort + count - 1 > 65535)
        {
            await Console.Error.WriteLineAsync($"platform: --port {firstPort} leaves no room for {count} brokers below 65536.").ConfigureAwait(false);
            return 2;
        }

        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop.Token, cancellationToken);
        Directory.CreateDirectory(dataDir);
        var children = new List<(string Name, Process Process)>();
        try
        {
            if (etcd is null)
            {
                if (FindOnPath("etcd") is not { } etcdBinary)
                {
                    await Console.Error.WriteLineAsync("platform: cluster: no etcd binary on PATH; install etcd (Debian: apt-get install etcd-server) or pass --etcd URL.")
                        .ConfigureAwait(false);
                    return 1;
                }

                etcd = $"http://127.0.0.1:{etcdPort}";
                var peer = $"http://127.0.0.1:{etcdPort + 1}";
                children.Add(("etcd", Start("etcd", etcdBinary,
                [
                    "--data-dir", Path.Combine(dataDir, "etcd"),
                    "--listen-client-urls", etcd, "--advertise-client-urls", etcd,
                    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", $"default={peer}", "--log-level", "warn",
                ])));
                if (!await WaitForPortAsync(etcdPort, children[0].Process, linked.Token).ConfigureAwait(false))
                {
                    await Console.Error.WriteLineAsync($"platform: cluster: etcd did not start (is port {etcdPort} or {etcdPort + 1} taken?).").ConfigureAwait(false);
                    return 1;
                }
            }

            var (host, prefix) = Self();
            for (var id = 1; id <= count; id++)
            {
                string[] arguments =
                [
                    .. prefix, "broker", "--node-id", id.ToString(CultureInfo.InvariantCulture),
                    "--listen", $"127.0.0.1:{firstPort + id - 1}", "--data-dir", Path.Combine(dataDir, $"broker-{id}"), "--etcd", etcd,
                    .. config is null ? Array.Empty<string>() : ["--config", config.FullName],
                ];
                children.Add(($"broker-{id}", Start($"broker-{id}", host, arguments)));
            }

            await Console.Out.WriteLineAsync(
                $"platform: cluster of {count} brokers on 127.0.0.1:{firstPort}-{firstPort + count - 1}, etcd at {etcd}; Ctrl+C stops it.").ConfigureAwait(false);
            // A broker that dies (or is killed to try a failover) is reported and the others keep running; the
            // cluster stops on SIGINT/SIGTERM, or when etcd or every broker is gone.
            var running = children.ToList();
            while (!linked.IsCancellationRequested)
            {
                await Task.WhenAny(running.Select(c => c.Process.WaitForExitAsync(CancellationToken.None)).Append(Task.Delay(Timeout.Infinite, linked.Token)))
                    .ConfigureAwait(false);
                foreach (var (name, process) in running.Where(c => c.Process.HasExited).ToList())
                {
                    running.RemoveAll(c => c.Name == name);
                    await Console.Error.WriteLineAsync($"platform: cluster: {name} exited with {process.ExitCode}.").ConfigureAwait(false);
                    if (name == "etcd" || running.All(c => c.Name == "etcd"))
                    {
                        await Console.Error.WriteLineAsync("platform: cluster: stopping the others.").ConfigureAwait(false);
                        return 1;
                    }
                }
            }

            return 0;
        }
        finally
        {
            // Brokers first and one at a time, so each moves its leadership to the others; etcd last.
            foreach (var (_, process) in children.AsEnumerable().Reverse())
            {
                await StopAsync(process).ConfigureAwait(false);
            }
        }
    }

    /// <summary>How to run this same executable: its apphost, or dotnet with its dll.</summary>
    private static (string Host, string[] Prefix) Self()
    {
        var process = Environment.ProcessPath ?? "dotnet";
        return Path.GetFileNameWithoutExtension(process) == "dotnet" ? (process, [Path.Combine(AppContext.BaseDirectory, typeof(ClusterCommand).Assembly.GetName().Name + ".dll")]) : (process, []);
    }

    private static Process Start(string name, string fileName, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Write(name, e.Data);
        process.ErrorDataReceived += (_, e) => Write(name, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void Write(string name, string? line)
    {
        if (line is not null)
        {
            Console.Out.WriteLine($"[{name}] {line}");
        }
    }

    private static async Task StopAsync(Process process)
    {
        using (process)
        {
            if (process.HasExited)
            {
                return;
            }

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync().ConfigureAwait(false);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static async Task<bool> WaitForPortAsync(int port, Process process, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 100 && !process.HasExited; attempt++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }

        return false;
    }

    private static string? FindOnPath(string binary)
        => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, binary))
            .FirstOrDefault(File.Exists);
}
