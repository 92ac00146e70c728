using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Platform.Broker;
using Platform.Broker.Cluster;

namespace Platform.Testing;

/// <summary>
/// Real etcd members on loopback (Debian's etcd-server, which tests/run-all.sh installs), each on free
/// ports with its data in a temp directory, removed at the end.
/// </summary>
public sealed class EtcdCluster : IAsyncDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "platform-etcd-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly Process?[] _members;
    private readonly int[] _clientPorts;

    // The members' last output lines, and whether one said its port was taken.
    private readonly Queue<string> _lastLines = new();
    private volatile bool _portTaken;

    private EtcdCluster(int members)
    {
        _members = new Process?[members];
        _clientPorts = new int[members];
    }

    public IReadOnlyList<Uri> Endpoints => [.. _clientPorts.Select(p => new Uri($"http://127.0.0.1:{p}"))];

    /// <summary>
    /// Starts broker <paramref name="id"/> as a member of a cluster on these etcd members and starts its cluster service
    /// (registration, controller election, replication). A 2 s session and a one-partition, one-replica offsets topic
    /// unless <paramref name="configure"/> sets otherwise; <paramref name="configureServices"/> as in
    /// <see cref="EmbeddedBroker.StartAsync"/>. The caller disposes the broker.
    /// </summary>
    public async Task<EmbeddedBroker> StartBrokerAsync(int id, Action<BrokerOptions>? configure = null, Action<IServiceCollection>? configureServices = null)
    {
        var broker = await EmbeddedBroker.StartAsync(
            o =>
            {
                o.NodeId = id;
                o.EtcdEndpoints = string.Join(',', Endpoints);
                o.BrokerSessionTimeoutMs = 2000;
                o.OffsetsTopicNumPartitions = 1;
                o.OffsetsTopicReplicationFactor = 1;
                configure?.Invoke(o);
            },
            configureServices: configureServices).ConfigureAwait(false);
        try
        {
            await broker.Services.GetRequiredService<ClusterService>().StartAsync(CancellationToken.None).ConfigureAwait(false);
            return broker;
        }
        catch
        {
            await broker.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Starts <paramref name="members"/> members on free ports. A port is free when picked, but another process (a
    /// broker or worker of a test running beside) may take it before etcd binds it: then the members start again on
    /// other ports, up to three times.
    /// </summary>
    public static async Task<EtcdCluster> StartAsync(int members = 1)
    {
        for (var attempt = 1; ; attempt++)
        {
            var cluster = new EtcdCluster(members);
            try
            {
                await cluster.StartMembersAsync().ConfigureAwait(false);
                return cluster;
            }
            catch (PortTakenException) when (attempt < 3)
            {
                await cluster.DisposeAsync().ConfigureAwait(false);
            }
            catch
            {
                await cluster.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>Kills member <paramref name="index"/> (SIGKILL), as a crash would.</summary>
    public void Kill(int index)
    {
        _members[index]?.Kill();
        _members[index]?.WaitForExit();
    }

    /// <summary>The index of the member that is the Raft leader now, as the first live member answering says.</summary>
    public async Task<int> LeaderAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var ids = new ulong[_members.Length];
        ulong? leader = null;
        for (var i = 0; i < _members.Length; i++)
        {
            if (_members[i] is not { HasExited: false })
            {
                continue;
            }

            // The gRPC gateway's Maintenance.Status: this member's id and the leader's (uint64s as JSON strings).
            using var response = await http.PostAsync(new Uri(Endpoints[i], "/v3/maintenance/status"), new StringContent("{}")).ConfigureAwait(false);
            using var status = JsonDocument.Parse(await response.Content.ReadAsStringAsync().ConfigureAwait(false));
            ids[i] = ulong.Parse(status.RootElement.GetProperty("header").GetProperty("member_id").GetString()!, CultureInfo.InvariantCulture);
            leader ??= ulong.Parse(status.RootElement.GetProperty("leader").GetString()!, CultureInfo.InvariantCulture);
        }

        return Array.IndexOf(ids, leader ?? throw new InvalidOperationException("No etcd member is running."));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var member in _members)
        {
            if (member is { HasExited: false })
            {
                member.Kill();
                await member.WaitForExitAsync().ConfigureAwait(false);
            }

            member?.Dispose();
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private async Task StartMembersAsync()
    {
        var peerPorts = new int[_members.Length];
        for (var i = 0; i < _members.Length; i++)
        {
            _clientPorts[i] = FreePort();
            peerPorts[i] = FreePort();
        }

        var initialCluster = string.Join(',', peerPorts.Select((p, i) => $"m{i}=http://127.0.0.1:{p}"));
        for (var i = 0; i < _members.Length; i++)
        {
            var info = new ProcessStartInfo("etcd")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[]
            {
                "--name", $"m{i}", "--data-dir", Path.Combine(_dir, $"m{i}"),
                "--listen-client-urls", $"http://127.0.0.1:{_clientPorts[i]}", "--advertise-client-urls", $"http://127.0.0.1:{_clientPorts[i]}",
                "--listen-peer-urls", $"http://127.0.0.1:{peerPorts[i]}", "--initial-advertise-peer-urls", $"http://127.0.0.1:{peerPorts[i]}",
                "--initial-cluster", initialCluster, "--initial-cluster-state", "new", "--initial-cluster-token", Path.GetFileName(_dir),
                "--logger", "zap", "--log-outputs", "stderr",
            })
            {
                info.ArgumentList.Add(arg);
            }

            try
            {
                _members[i] = Process.Start(info) ?? throw new InvalidOperationException("etcd did not start.");
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                throw new InvalidOperationException("etcd is not installed: tests/run-all.sh installs it (apt-get install etcd-server).", ex);
            }

            _members[i]!.OutputDataReceived += (_, e) => Note(e.Data);
            _members[i]!.ErrorDataReceived += (_, e) => Note(e.Data);
            _members[i]!.BeginOutputReadLine();
            _members[i]!.BeginErrorReadLine();
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        var deadline = Stopwatch.StartNew();
        foreach (var endpoint in Endpoints)
        {
            while (true)
            {
                try
                {
                    var health = await http.GetStringAsync(new Uri(endpoint, "/health")).ConfigureAwait(false);
                    if (health.Contains("\"health\":\"true\"", StringComparison.Ordinal))
                    {
                        break;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                }

                if (Array.Exists(_members, m => m is { HasExited: true }))
                {
                    throw _portTaken
                        ? new PortTakenException()
                        : new InvalidOperationException($"etcd exited while starting: {string.Join(Environment.NewLine, LastLines())}");
                }

                if (deadline.Elapsed > TimeSpan.FromSeconds(30))
                {
                    throw new InvalidOperationException($"etcd at {endpoint} did not become healthy within 30 s.");
                }

                await Task.Delay(100).ConfigureAwait(false);
            }
        }
    }

    private void Note(string? line)
    {
        if (line is null)
        {
            return;
        }

        _portTaken |= line.Contains("address already in use", StringComparison.Ordinal);
        lock (_lastLines)
        {
            _lastLines.Enqueue(line);
            if (_lastLines.Count > 20)
            {
                _lastLines.Dequeue();
            }
        }
    }

    private string[] LastLines()
    {
        lock (_lastLines)
        {
            return [.. _lastLines];
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class PortTakenException : Exception;
}
