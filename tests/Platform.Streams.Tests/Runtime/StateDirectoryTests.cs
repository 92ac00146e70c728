using Platform.Client;
using Platform.Streams.Processors;
using Platform.Streams.Runtime;

namespace Platform.Streams.Tests.Runtime;

/// <summary>The state folder layout, its lock, the process id and checkpoint files, on real files.</summary>
public sealed class StateDirectoryTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "streams-state-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Constructor_SameFolderTwice_SecondNamesStateDir()
    {
        using var first = new StateDirectory(_root, "app");

        var error = Assert.Throws<InvalidOperationException>(() => new StateDirectory(_root, "app"));

        Assert.Contains("state.dir", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ProcessId_Reopened_IsTheSame()
    {
        Guid first;
        using (var directory = new StateDirectory(_root, "app"))
        {
            first = directory.ProcessId;
        }

        using var again = new StateDirectory(_root, "app");

        Assert.Equal(first, again.ProcessId);
    }

    [Fact]
    public void Checkpoint_WriteRead_RoundTripsInKafkasLayout()
    {
        using var directory = new StateDirectory(_root, "app");
        var task = new TaskId(1, 3);
        directory.TaskDirectory(task);
        var checkpoint = directory.Checkpoint(task);

        checkpoint.Write(new Dictionary<TopicPartition, long> { [new("app-store-changelog", 3)] = 120 });

        Assert.Equal(["0", "1", "app-store-changelog 3 120"], File.ReadAllLines(checkpoint.FilePath));
        Assert.Equal(120, directory.Checkpoint(task).Read()[new TopicPartition("app-store-changelog", 3)]);
        Assert.Equal([task], directory.TasksOnDisk());
    }

    [Fact]
    public void Checkpoint_Truncated_ReadNamesTheFile()
    {
        using var directory = new StateDirectory(_root, "app");
        var task = new TaskId(0, 0);
        directory.TaskDirectory(task);
        var checkpoint = directory.Checkpoint(task);
        File.WriteAllText(checkpoint.FilePath, "0\n2\nt 0 1\n");

        var error = Assert.Throws<InvalidDataException>(() => checkpoint.Read());

        Assert.Contains(checkpoint.FilePath, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CleanRemovedTasks_LockedAndUnlockedTasks_OnlyUnlockedOnesGo()
    {
        using var directory = new StateDirectory(_root, "app");
        var owner = new object();
        directory.TaskDirectory(new TaskId(0, 0));
        directory.TaskDirectory(new TaskId(0, 1));
        Assert.True(directory.TryLock(new TaskId(0, 0), owner));
        Assert.False(directory.TryLock(new TaskId(0, 0), new object()));

        var removed = directory.CleanRemovedTasks(TimeSpan.Zero);

        Assert.Equal([new TaskId(0, 1)], removed);
        Assert.Equal([new TaskId(0, 0)], directory.TasksOnDisk());
    }
}
