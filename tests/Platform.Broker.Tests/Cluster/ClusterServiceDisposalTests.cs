using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Platform.Broker.Cluster;

namespace Platform.Broker.Tests.Cluster;

/// <summary>
/// A clustered broker disposed without its <see cref="ClusterService"/> being stopped first (an <see cref="EmbeddedBroker"/>
/// on <see cref="EtcdCluster"/> is: no host stops it): the session loop must end with it. It used to take the revoked
/// session for a lost one and dispose it a second time, and its controller called the disposed etcd client, both in
/// tasks nobody awaited; their exceptions surfaced later as unobserved task exceptions in whatever test collected them.
/// </summary>
public sealed class ClusterServiceDisposalTests : IAsyncLifetime
{
    private EtcdCluster _etcd = null!;

    public async Task InitializeAsync() => _etcd = await EtcdCluster.StartAsync();

    public async Task DisposeAsync() => await _etcd.DisposeAsync();

    [Fact]
    public async Task DisposedWithoutStop_LeavesNoFaultedTaskBehind()
    {
        var unobserved = new ConcurrentQueue<Exception>();
        void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
        {
            // Other test classes run beside this one: only the cluster code's faults count here.
            var stack = e.Exception.ToString();
            if (stack.Contains("at Platform.Broker.Cluster.", StringComparison.Ordinal) || stack.Contains("at Platform.Cluster.", StringComparison.Ordinal))
            {
                unobserved.Enqueue(e.Exception);
            }
        }

        TaskScheduler.UnobservedTaskException += OnUnobserved;
        try
        {
            await StartAndDisposeAsync();

            // A fault comes some time after the disposal, and surfaces once its task is collected.
            for (var i = 0; i < 30 && unobserved.IsEmpty; i++)
            {
                await Task.Delay(100);
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= OnUnobserved;
        }

        Assert.True(unobserved.IsEmpty, string.Join("\n\n", unobserved));
    }

    /// <summary>In a method of its own, so that nothing on the test's frame keeps the broker's tasks from being collected.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private async Task StartAndDisposeAsync()
    {
        var broker = await _etcd.StartBrokerAsync(1);
        var view = broker.Services.GetRequiredService<ClusterMetadata>();
        Assert.True(await view.WaitForAsync(v => v.ControllerId == 1, TimeSpan.FromSeconds(20), CancellationToken.None));
        await broker.DisposeAsync();
    }
}
