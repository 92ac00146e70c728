using System.Text.Json;
using Platform.Connect;
using Platform.Connect.Config;
using Platform.Connect.Connectors;
using Platform.Connect.Data;
using Platform.Connectors.Files.Sink;
using Platform.Connectors.Testing;

namespace Platform.Connectors.Files.Tests;

public sealed class FileSinkTaskTests : IDisposable
{
    private static readonly TopicPartitionRef P0 = new("orders", 0);
    private readonly TempDirectory _dir = new();
    private readonly string _out;

    public FileSinkTaskTests() => _out = Path.Combine(_dir.Path, "out");

    public void Dispose() => _dir.Dispose();

    private Dictionary<string, string> Config(params (string Key, string Value)[] extra)
    {
        var config = new Dictionary<string, string> { ["path"] = _out, ["rotate.interval.ms"] = "0" };
        foreach (var (key, value) in extra)
        {
            config[key] = value;
        }

        return config;
    }

    private static async Task<(FileSinkTask Task, TestSinkContext Context)> StartAsync(Dictionary<string, string> config, params TopicPartitionRef[] partitions)
    {
        var task = new FileSinkTask();
        var context = new TestSinkContext(config) { Assignment = partitions };
        task.Initialize(context);
        await task.StartAsync(config);
        await task.OpenAsync(partitions);
        return (task, context);
    }

    private static SinkRecord Record(long offset, object? value, TopicPartitionRef? partition = null)
    {
        var tp = partition ?? P0;
        return new SinkRecord(tp.Topic, tp.Partition, null, null, null, value, offset);
    }

    private static List<SinkRecord> Records(long from, long to, TopicPartitionRef? partition = null)
        => Enumerable.Range((int)from, (int)(to - from + 1))
            .Select(i => Record(i, new Dictionary<string, object?> { ["id"] = (long)i, ["name"] = $"n{i}" }, partition)).ToList();

    /// <summary>The ids in the visible (committed) files, in file order.</summary>
    private List<long> VisibleIds()
        => Directory.GetFiles(_out).Order(StringComparer.Ordinal)
            .SelectMany(File.ReadAllLines)
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("id").GetInt64())
            .ToList();

    [Fact]
    public async Task Put_PastRotateSize_CommitsFilesWithManifestEntries()
    {
        var (task, context) = await StartAsync(Config(("rotate.size.bytes", "60")), P0);

        await task.PutAsync(Records(0, 5), default);

        var files = Directory.GetFiles(_out).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["orders+0+00000000000000000000+00000000000000000002.json", "orders+0+00000000000000000003+00000000000000000005.json"], files);
        Assert.Equal([0L, 1, 2, 3, 4, 5], VisibleIds());
        var entry = JsonDocument.Parse(File.ReadAllText(Path.Combine(_out, "_manifest", files[0] + ".json"))).RootElement;
        Assert.Equal("orders", entry.GetProperty("topic").GetString());
        Assert.Equal(0, entry.GetProperty("startOffset").GetInt64());
        Assert.Equal(2, entry.GetProperty("endOffset").GetInt64());
        Assert.True(context.CommitRequests > 0);
        var safe = await task.PreCommitAsync(new Dictionary<TopicPartitionRef, long> { [P0] = 6 });
        Assert.Equal(6, safe[P0]);
    }

    [Fact]
    public async Task PreCommit_OpenFile_ReportsOnlyCommittedOffsets()
    {
        var (task, _) = await StartAsync(Config(("rotate.size.bytes", "60")), P0);

        await task.PutAsync(Records(0, 4), default);

        var safe = await task.PreCommitAsync(new Dictionary<TopicPartitionRef, long> { [P0] = 5 });
        Assert.Equal(3, safe[P0]);
        Assert.Equal([0L, 1, 2], VisibleIds());
        Assert.Single(Directory.GetFiles(Path.Combine(_out, "_temporary")));
    }

    [Fact]
    public async Task PreCommit_RotateInterval_CommitsAnAgedFile()
    {
        var (task, _) = await StartAsync(Config(("rotate.interval.ms", "1")), P0);
        await task.PutAsync(Records(0, 1), default);

        await Eventually.TrueAsync(() => task.PreCommitAsync(new Dictionary<TopicPartitionRef, long> { [P0] = 2 }).Result.ContainsKey(P0), "the aged file committed");

        Assert.Equal([0L, 1], VisibleIds());
    }

    [Fact]
    public async Task Crash_MidFile_RestartSeeksPastCommittedOffsetsAndLeavesNoDuplicateOrPartialFile()
    {
        var config = Config(("rotate.size.bytes", "100"));
        var (crashing, _) = await StartAsync(config, P0);
        await crashing.PutAsync(Records(0, 6), default);
        var visibleBefore = VisibleIds();
        Assert.NotEmpty(visibleBefore);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(_out, "_temporary")));

        // The crashed task is abandoned without StopAsync; its temporary file stays behind, half a batch in it.
        var (restarted, context) = await StartAsync(config, P0);

        Assert.Empty(Directory.GetFiles(Path.Combine(_out, "_temporary")));
        var resumeAt = context.Seeks[P0];
        Assert.Equal(visibleBefore.Count, resumeAt);
        Assert.Equal(visibleBefore, VisibleIds());

        // The worker redelivers from the seek position (and, being careful, a bit before it).
        await restarted.PutAsync(Records(resumeAt - 2, 9), default);
        await restarted.StopAsync();

        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), VisibleIds());
    }

    [Fact]
    public async Task Recover_ManifestWrittenButRenameLost_FinishesTheRename()
    {
        var config = Config(("rotate.size.bytes", "1000000"));
        var (first, _) = await StartAsync(config, P0);
        await first.PutAsync(Records(0, 2), default);
        await first.StopAsync();
        var committed = Directory.GetFiles(_out).Single();

        // Put the file back where it was between the manifest commit and the rename.
        var entry = JsonDocument.Parse(File.ReadAllText(Directory.GetFiles(Path.Combine(_out, "_manifest")).Single())).RootElement;
        File.Move(committed, Path.Combine(_out, "_temporary", entry.GetProperty("temporary").GetString()!));
        Assert.Empty(Directory.GetFiles(_out));

        var (_, context) = await StartAsync(config, P0);

        Assert.Equal([0L, 1, 2], VisibleIds());
        Assert.Equal(3, context.Seeks[P0]);
    }

    [Fact]
    public async Task Recover_TornManifestEntry_IsDiscardedWithItsTemporaryFile()
    {
        var manifest = Path.Combine(_out, "_manifest");
        var temporary = Path.Combine(_out, "_temporary");
        Directory.CreateDirectory(manifest);
        Directory.CreateDirectory(temporary);
        File.WriteAllText(Path.Combine(manifest, "orders+0+00000000000000000000+00000000000000000001.json.json.tmp"), "{\"fi");
        File.WriteAllText(Path.Combine(temporary, "orders+0+00000000000000000000.json.tmp"), "{\"id\":0}\n{\"id\":1}\n");

        var (_, context) = await StartAsync(Config(), P0);

        Assert.Empty(Directory.GetFiles(manifest));
        Assert.Empty(Directory.GetFiles(temporary));
        Assert.False(context.Seeks.ContainsKey(P0));
    }

    [Fact]
    public async Task Open_OtherPartitionsTemporaryFiles_AreLeftAlone()
    {
        var p1 = new TopicPartitionRef("orders", 1);
        var (owner, _) = await StartAsync(Config(), p1);
        await owner.PutAsync(Records(0, 1, p1), default);

        await StartAsync(Config(), P0);

        Assert.Single(Directory.GetFiles(Path.Combine(_out, "_temporary")));
    }

    [Fact]
    public async Task Close_Partition_CommitsItsOpenFile()
    {
        var (task, _) = await StartAsync(Config(), P0);
        await task.PutAsync(Records(0, 1), default);

        await task.CloseAsync([P0]);

        Assert.Equal([0L, 1], VisibleIds());
    }

    [Fact]
    public async Task Put_TextFormat_WritesStringsAndBytesAsLines()
    {
        var (task, _) = await StartAsync(Config(("file.format", "text")), P0);

        await task.PutAsync([Record(0, "plain"), Record(1, "ütf-8"u8.ToArray()), Record(2, null), Record(3, 42L)], default);
        await task.StopAsync();

        var file = Assert.Single(Directory.GetFiles(_out));
        Assert.EndsWith(".txt", file);
        Assert.Equal(["plain", "ütf-8", "42"], File.ReadAllLines(file));
    }

    [Fact]
    public async Task Put_CsvFormat_WritesHeaderFromStructFieldsAndQuotes()
    {
        var schema = SchemaBuilder.Struct().Field("id", Schema.Int64Schema).Field("note", Schema.OptionalStringSchema).Build();
        var (task, _) = await StartAsync(Config(("file.format", "csv")), P0);

        await task.PutAsync(
        [
            new SinkRecord("orders", 0, null, null, schema, new Struct(schema).Put("id", 1L).Put("note", "a, \"b\""), 0),
            new SinkRecord("orders", 0, null, null, schema, new Struct(schema).Put("id", 2L), 1),
        ], default);
        await task.StopAsync();

        var file = Assert.Single(Directory.GetFiles(_out));
        Assert.Equal("id,note\n1,\"a, \"\"b\"\"\"\n2,\n", File.ReadAllText(file));
    }

    [Theory]
    [InlineData("path", null, "path")]
    [InlineData("file.format", "parquet", "file.format")]
    [InlineData("rotate.size.bytes", "0", "rotate.size.bytes")]
    [InlineData("rotate.interval.ms", "soon", "rotate.interval.ms")]
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

        var error = await Assert.ThrowsAsync<ConfigException>(() => new FileSinkTask().StartAsync(config));
        Assert.Contains($"'{named}'", error.Message);
        Assert.Contains(new FileSinkConnector().Validate(config), v => v.Name == named && v.Errors.Count > 0);
    }
}
