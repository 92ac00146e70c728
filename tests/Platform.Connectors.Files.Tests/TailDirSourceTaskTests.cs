using Platform.Connect;
using Platform.Connect.Config;
using Platform.Connectors.Files.TailDir;
using Platform.Connectors.Testing;

namespace Platform.Connectors.Files.Tests;

public sealed class TailDirSourceTaskTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _logs;
    private readonly string _positions;

    public TailDirSourceTaskTests()
    {
        _logs = _dir.Sub("logs");
        _positions = Path.Combine(_dir.Path, "state", "positions.json");
    }

    public void Dispose() => _dir.Dispose();

    private Dictionary<string, string> Config(string globs = "*.log", params (string Key, string Value)[] extra)
    {
        var config = new Dictionary<string, string>
        {
            ["file.globs"] = string.Join(",", globs.Split(',').Select(g => Path.Combine(_logs, g))),
            ["position.file"] = _positions,
            ["topic"] = "tail",
            ["poll.interval.ms"] = "20",
            ["position.flush.interval.ms"] = "0",
        };
        foreach (var (key, value) in extra)
        {
            config[key] = value;
        }

        return config;
    }

    private string LogPath(string name) => Path.Combine(_logs, name);

    private void Append(string name, string text) => File.AppendAllText(LogPath(name), text);

    private static List<string> Values(IEnumerable<SourceRecord> records) => records.Select(r => (string)r.Value!).ToList();

    [Fact]
    public async Task Poll_AppendedLines_EmittedWithFilePathHeaderAndPartialLineWaits()
    {
        Append("app.log", "a\nb\npart");
        await using var driver = await SourceTaskDriver.StartAsync(new TailDirSourceTask(), Config());

        var first = await driver.PollAsync(2);
        Assert.Equal(["a", "b"], Values(first));
        Assert.Equal(LogPath("app.log"), first[0].Headers.Single(h => h.Key == "file").Value);
        Assert.Empty(await driver.PollForAsync(TimeSpan.FromMilliseconds(200)));

        Append("app.log", "ial\nc\n");
        Assert.Equal(["partial", "c"], Values(await driver.PollAsync(2)));
    }

    [Fact]
    public async Task Poll_RotationByRename_DrainsTheOldFileThenFollowsTheNewOneWithoutLossOrDuplicates()
    {
        Append("app.log", "1\n2\n");
        await using var driver = await SourceTaskDriver.StartAsync(new TailDirSourceTask(), Config("app.log"));
        Assert.Equal(["1", "2"], Values(await driver.PollAndAcknowledgeAsync(2)));

        // The logger rotates: renames its file, writes its last lines to it, then opens a new one.
        File.Move(LogPath("app.log"), LogPath("app.log.1"));
        Append("app.log.1", "3\n4\n");
        Append("app.log", "5\n6\n");

        var records = await driver.PollAsync(4);
        Assert.Equal(["3", "4", "5", "6"], Values(records));
        Assert.Empty(await driver.PollForAsync(TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task Poll_CopyTruncate_ReadsTheFileAgainFromTheStart()
    {
        Append("app.log", "old1\nold2\n");
        await using var driver = await SourceTaskDriver.StartAsync(new TailDirSourceTask(), Config());
        await driver.PollAndAcknowledgeAsync(2);

        await using (var stream = new FileStream(LogPath("app.log"), FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            stream.SetLength(0);
        }

        Append("app.log", "new1\n");
        Assert.Equal(["new1"], Values(await driver.PollAsync(1)));
    }

    [Fact]
    public async Task Poll_TruncatedAndRewrittenPastThePosition_DetectedByFingerprint()
    {
        Append("app.log", "aaaa\n");
        await using var driver = await SourceTaskDriver.StartAsync(new TailDirSourceTask(), Config());
        await driver.PollAndAcknowledgeAsync(1);

        // Truncated and refilled between two scans: longer than before, so only the fingerprint tells.
        File.WriteAllText(LogPath("app.log"), "bbbb\ncccc\n");

        Assert.Equal(["bbbb", "cccc"], Values(await driver.PollAsync(2)));
    }

    [Fact]
    public async Task Poll_CopyOfATrackedFileUnderTheGlobs_IsNotReadTwice()
    {
        Append("app.log", "x1\nx2\n");
        await using var driver = await SourceTaskDriver.StartAsync(new TailDirSourceTask(), Config("app.log*"));
        await driver.PollAndAcknowledgeAsync(2);

        File.Copy(LogPath("app.log"), LogPath("app.log.1"));
        await using (var stream = new FileStream(LogPath("app.log"), FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            stream.SetLength(0);
        }

        Append("app.log", "y1\n");
        var records = await driver.PollForAsync(TimeSpan.FromMilliseconds(500));
        Assert.Equal(["y1"], Values(records));
    }

    [Fact]
    public async Task Restart_ResumesFromAcknowledgedPositionsInThePositionFile()
    {
        Append("app.log", "1\n2\n3\n4\n");
        var config = Config(extra: ("batch.size", "2"));
        var first = await SourceTaskDriver.StartAsync(new TailDirSourceTask(), config);
        await first.PollAndAcknowledgeAsync(2);
        Assert.Equal(["3", "4"], Values(await first.PollAsync(2)));
        await first.DisposeAsync();
        Assert.True(File.Exists(_positions));

        await using var second = await SourceTaskDriver.StartAsync(new TailDirSourceTask(), config);
        Assert.Equal(["3", "4"], Values(await second.PollAsync(2)));
    }

    [Fact]
    public async Task Restart_AcksOutOfOrder_PositionOnlyCoversTheContiguousPrefix()
    {
        Append("app.log", "1\n2\n3\n");
        var config = Config();
        var first = await SourceTaskDriver.StartAsync(new TailDirSourceTask(), config);
        var records = await first.PollAsync(3);
        await first.AcknowledgeAsync([records[0], records[2]]);
        await first.DisposeAsync();

        await using var second = await SourceTaskDriver.StartAsync(new TailDirSourceTask(), config);
        Assert.Equal(["2", "3"], Values(await second.PollAsync(2)));
    }

    [Fact]
    public async Task Restart_FileRenamedWhileStopped_KeepsItsPosition()
    {
        Append("app.log", "1\n2\n");
        var config = Config();
        var first = await SourceTaskDriver.StartAsync(new TailDirSourceTask(), config);
        await first.PollAndAcknowledgeAsync(2);
        await first.DisposeAsync();

        File.Move(LogPath("app.log"), LogPath("renamed.log"));
        Append("renamed.log", "3\n");

        await using var second = await SourceTaskDriver.StartAsync(new TailDirSourceTask(), config);
        var records = await second.PollAsync(1);
        Assert.Equal(["3"], Values(records));
        Assert.Equal(LogPath("renamed.log"), records[0].Headers.Single(h => h.Key == "file").Value);
        Assert.Empty(await second.PollForAsync(TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task Restart_FileReplacedWhileStopped_IsReadFromTheStart()
    {
        Append("app.log", "old1\nold2\n");
        var config = Config();
        var first = await SourceTaskDriver.StartAsync(new TailDirSourceTask(), config);
        await first.PollAndAcknowledgeAsync(2);
        await first.DisposeAsync();

        File.Delete(LogPath("app.log"));
        Append("app.log", "new1\nnew2\nnew3\n");

        await using var second = await SourceTaskDriver.StartAsync(new TailDirSourceTask(), config);
        Assert.Equal(["new1", "new2", "new3"], Values(await second.PollAsync(3)));
    }

    [Fact]
    public async Task Poll_FileGroups_TagRecordsWithTheirGroup()
    {
        var other = _dir.Sub("other");
        Append("app.log", "a\n");
        File.WriteAllText(Path.Combine(other, "x.txt"), "b\n");
        var config = new Dictionary<string, string>
        {
            ["filegroups"] = "app,misc",
            ["filegroups.app"] = LogPath("*.log"),
            ["filegroups.misc"] = Path.Combine(other, "x.???"),
            ["position.file"] = _positions,
            ["topic"] = "tail",
            ["poll.interval.ms"] = "20",
        };
        await using var driver = await SourceTaskDriver.StartAsync(new TailDirSourceTask(), config);

        var records = await driver.PollAsync(2);

        Assert.Equal(new Dictionary<string, string> { ["a"] = "app", ["b"] = "misc" },
            records.ToDictionary(r => (string)r.Value!, r => (string)r.Headers.Single(h => h.Key == "filegroup").Value!));
    }

    [Fact]
    public async Task Poll_SkipToEnd_ReadsOnlyNewLines()
    {
        Append("app.log", "before\n");
        await using var driver = await SourceTaskDriver.StartAsync(new TailDirSourceTask(), Config(extra: ("skip.to.end", "true")));
        Assert.Empty(await driver.PollForAsync(TimeSpan.FromMilliseconds(200)));

        Append("app.log", "after\n");
        Assert.Equal(["after"], Values(await driver.PollAsync(1)));
    }

    [Theory]
    [InlineData("file.globs", "", "file.globs")]
    [InlineData("file.globs", "/tmp/*/x.log", "file.globs")]
    [InlineData("position.file", null, "position.file")]
    [InlineData("filegroups", "g1", "filegroups.g1")]
    [InlineData("fingerprint.bytes", "1", "fingerprint.bytes")]
    public async Task Start_BadConfig_ThrowsNamingTheKey(string key, string? value, string named)
    {
        var config = Config();
        if (value is null)
        {
            config.Remove(key);
        }
        else
        {
            config[key] = value;
        }

        var error = await Assert.ThrowsAsync<ConfigException>(() => new TailDirSourceTask().StartAsync(config));
        Assert.Contains($"'{named}'", error.Message);
        Assert.Contains(new TailDirSourceConnector().Validate(config), v => v.Name == named && v.Errors.Count > 0);
    }
}
