using Platform.Connect;
using Platform.Connect.Config;
using Platform.Connect.Data;
using Platform.Connectors.Files.SpoolDir;
using Platform.Connectors.Testing;

namespace Platform.Connectors.Files.Tests;

public sealed class SpoolDirSourceTaskTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _input;
    private readonly string _finished;
    private readonly string _error;

    public SpoolDirSourceTaskTests()
    {
        _input = _dir.Sub("input");
        _finished = _dir.Sub("finished");
        _error = _dir.Sub("error");
    }

    public void Dispose() => _dir.Dispose();

    private Dictionary<string, string> Config(params (string Key, string Value)[] extra)
    {
        var config = new Dictionary<string, string>
        {
            ["input.path"] = _input,
            ["finished.path"] = _finished,
            ["error.path"] = _error,
            ["topic"] = "lines",
            ["file.minimum.age.ms"] = "0",
            ["poll.interval.ms"] = "20",
        };
        foreach (var (key, value) in extra)
        {
            config[key] = value;
        }

        return config;
    }

    private string Drop(string name, string content)
    {
        var path = Path.Combine(_input, name);
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public async Task Poll_LineFile_EmitsEveryLineAndMovesFileOnlyAfterAllAcks()
    {
        Drop("a.txt", "one\ntwo\r\nthree");
        await using var driver = await SourceTaskDriver.StartAsync(new SpoolDirSourceTask(), Config());

        var records = await driver.PollAsync(3);

        Assert.Equal(["one", "two", "three"], records.Select(r => (string)r.Value!));
        Assert.All(records, r => Assert.Equal("lines", r.Topic));
        Assert.Equal("a.txt", records[0].Headers.Single(h => h.Key == "file.name").Value);
        Assert.True(File.Exists(Path.Combine(_input, "a.txt")), "the file must stay until its records are acknowledged");

        await driver.AcknowledgeAsync(records.Take(2));
        Assert.True(File.Exists(Path.Combine(_input, "a.txt")));
        await driver.AcknowledgeAsync(records.Skip(2));

        Assert.False(File.Exists(Path.Combine(_input, "a.txt")));
        Assert.Equal("one\ntwo\r\nthree", File.ReadAllText(Path.Combine(_finished, "a.txt")));
    }

    [Fact]
    public async Task Poll_CsvWithHeader_EmitsOneStructPerRowWithQuotedFields()
    {
        Drop("people.csv", "id,name,note\n1,Ada,\"likes, commas\"\n2,\"Bob \"\"B\"\"\",\"two\nlines\"\n");
        await using var driver = await SourceTaskDriver.StartAsync(new SpoolDirSourceTask(), Config(("input.format", "csv")));

        var records = await driver.PollAsync(2);

        Assert.Equal(2, records.Count);
        var first = Assert.IsType<Struct>(records[0].Value);
        Assert.Equal(["id", "name", "note"], records[0].ValueSchema!.Fields.Select(f => f.Name));
        Assert.Equal("likes, commas", first.Get("note"));
        var second = Assert.IsType<Struct>(records[1].Value);
        Assert.Equal("Bob \"B\"", second.Get("name"));
        Assert.Equal("two\nlines", second.Get("note"));
    }

    [Fact]
    public async Task Poll_JsonLines_EmitsSchemalessMapsAndSkipsBlankLines()
    {
        Drop("events.json", "{\"id\":1,\"tags\":[\"a\"]}\n\n{\"id\":2,\"ok\":true}\n");
        await using var driver = await SourceTaskDriver.StartAsync(new SpoolDirSourceTask(), Config(("input.format", "json")));

        var records = await driver.PollAsync(2);

        Assert.Equal(2, records.Count);
        var first = Assert.IsAssignableFrom<IDictionary<string, object?>>(records[0].Value);
        Assert.Equal(1L, first["id"]);
        Assert.Equal(["a"], Assert.IsAssignableFrom<IEnumerable<object?>>(first["tags"]));
        Assert.Null(records[0].ValueSchema);
        Assert.Equal(true, ((IDictionary<string, object?>)records[1].Value!)["ok"]);
    }

    [Fact]
    public async Task Poll_BadJsonLine_MovesWholeFileToErrorPathWithReasonAndReportsIt()
    {
        Drop("bad.json", "{\"id\":1}\n{not json\n{\"id\":3}\n");
        Drop("good.json", "{\"id\":9}\n");
        File.SetLastWriteTimeUtc(Path.Combine(_input, "bad.json"), DateTime.UtcNow.AddMinutes(-2));
        await using var driver = await SourceTaskDriver.StartAsync(new SpoolDirSourceTask(), Config(("input.format", "json")));

        var records = await driver.PollAsync(1);

        // Nothing of the bad file is emitted: it is all-or-nothing, and the good file still flows.
        Assert.Equal(9L, ((IDictionary<string, object?>)Assert.Single(records).Value!)["id"]);
        Assert.True(File.Exists(Path.Combine(_error, "bad.json")));
        Assert.False(File.Exists(Path.Combine(_input, "bad.json")));
        Assert.Contains("line 2", File.ReadAllText(Path.Combine(_error, "bad.json.error")));
        var (errant, error) = Assert.Single(driver.Context.Errant);
        Assert.Equal("{not json", errant.Value);
        Assert.IsType<DataException>(error);
    }

    [Fact]
    public async Task Poll_CsvRowWithWrongFieldCount_MovesFileToErrorPath()
    {
        Drop("bad.csv", "a,b\n1,2\n3\n");
        await using var driver = await SourceTaskDriver.StartAsync(new SpoolDirSourceTask(), Config(("input.format", "csv")));

        var records = await driver.PollForAsync(TimeSpan.FromMilliseconds(300));

        Assert.Empty(records);
        Assert.True(File.Exists(Path.Combine(_error, "bad.csv")));

        Assert.Contains("1 fields but the header names 2", File.ReadAllText(Path.Combine(_error, "bad.csv.error")));
        Assert.Single(driver.Context.Errant);
    }

    [Fact]
    public async Task Poll_FileStillOpenForWriting_IsTakenOnlyAfterTheWriterCloses()
    {
        var path = Path.Combine(_input, "growing.txt");
        await using var driver = await SourceTaskDriver.StartAsync(new SpoolDirSourceTask(), Config());
        var writer = new StreamWriter(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read));
        await writer.WriteAsync("first\n");
        await writer.FlushAsync();

        Assert.Empty(await driver.PollForAsync(TimeSpan.FromMilliseconds(300)));

        await writer.WriteAsync("second\n");
        await writer.DisposeAsync();
        var records = await driver.PollAsync(2);
        Assert.Equal(["first", "second"], records.Select(r => (string)r.Value!));
    }

    [Fact]
    public async Task Poll_FileYoungerThanMinimumAge_IsTakenOnceOldEnough()
    {
        var path = Drop("young.txt", "x\n");
        await using var driver = await SourceTaskDriver.StartAsync(new SpoolDirSourceTask(), Config(("file.minimum.age.ms", "3600000")));

        Assert.Empty(await driver.PollForAsync(TimeSpan.FromMilliseconds(200)));

        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddHours(-2));
        Assert.Equal("x", (await driver.PollAsync(1)).Single().Value);
    }

    [Fact]
    public async Task Poll_PatternAndDotFiles_OnlyMatchingVisibleFilesAreTaken()
    {
        Drop("a.csv", "h\n1\n");
        Drop("b.txt", "no\n");
        Drop(".c.csv", "h\n2\n");
        await using var driver = await SourceTaskDriver.StartAsync(new SpoolDirSourceTask(), Config(("input.file.pattern", ".*\\.csv")));

        var records = await driver.PollForAsync(TimeSpan.FromMilliseconds(400));

        Assert.Equal(["h", "1"], records.Select(r => (string)r.Value!));
    }

    [Fact]
    public async Task Restart_MidFile_ResumesAfterTheLastCommittedOffset()
    {
        Drop("big.txt", string.Join("\n", Enumerable.Range(1, 7).Select(i => $"line{i}")) + "\n");
        var offsets = new TestOffsetStore();
        var config = Config(("batch.size", "2"));
        var first = await SourceTaskDriver.StartAsync(new SpoolDirSourceTask(), config, offsets);
        await first.PollAndAcknowledgeAsync(2);
        var unacknowledged = await first.PollAsync(2);
        Assert.Equal(["line3", "line4"], unacknowledged.Select(r => (string)r.Value!));
        await first.DisposeAsync();

        await using var second = await SourceTaskDriver.StartAsync(new SpoolDirSourceTask(), config, offsets);
        var rest = await second.PollAsync(5);

        Assert.Equal(["line3", "line4", "line5", "line6", "line7"], rest.Select(r => (string)r.Value!));
        Assert.Equal(7L, rest[^1].Headers.Single(h => h.Key == "file.line").Value);
        await second.AcknowledgeAsync(rest);
        Assert.True(File.Exists(Path.Combine(_finished, "big.txt")));
    }

    [Fact]
    public async Task Restart_CsvMidFile_KeepsTheHeaderSchema()
    {
        Drop("rows.csv", "k,v\n1,a\n2,b\n3,c\n");
        var offsets = new TestOffsetStore();
        var config = Config(("input.format", "csv"), ("batch.size", "1"));
        var first = await SourceTaskDriver.StartAsync(new SpoolDirSourceTask(), config, offsets);
        await first.PollAndAcknowledgeAsync(1);
        await first.DisposeAsync();

        await using var second = await SourceTaskDriver.StartAsync(new SpoolDirSourceTask(), config, offsets);
        var rest = await second.PollAsync(2);

        Assert.Equal(["2", "3"], rest.Select(r => (string)((Struct)r.Value!).Get("k")!));
    }

    [Fact]
    public async Task Poll_NewFileWithTheNameOfAFinishedOne_IsReadFromTheStart()
    {
        Drop("same.txt", "old1\nold2\n");
        await using var driver = await SourceTaskDriver.StartAsync(new SpoolDirSourceTask(), Config(("cleanup.policy", "delete")));
        await driver.PollAndAcknowledgeAsync(2);
        Assert.False(File.Exists(Path.Combine(_input, "same.txt")));

        Drop("same.txt", "new1\nnew2\nnew3\n");
        var records = await driver.PollAsync(3);

        Assert.Equal(["new1", "new2", "new3"], records.Select(r => (string)r.Value!));
    }

    [Fact]
    public async Task Poll_CleanupDelete_DeletesAfterAcks()
    {
        Drop("d.txt", "x\n");
        await using var driver = await SourceTaskDriver.StartAsync(new SpoolDirSourceTask(), Config(("cleanup.policy", "delete")));

        await driver.PollAndAcknowledgeAsync(1);

        Assert.False(File.Exists(Path.Combine(_input, "d.txt")));
        Assert.Empty(Directory.GetFiles(_finished));
    }

    [Fact]
    public async Task Poll_CleanupNone_LeavesFileAndDoesNotReadItAgain()
    {
        Drop("keep.txt", "x\ny\n");
        await using var driver = await SourceTaskDriver.StartAsync(new SpoolDirSourceTask(), Config(("cleanup.policy", "none")));

        await driver.PollAndAcknowledgeAsync(2);
        var again = await driver.PollForAsync(TimeSpan.FromMilliseconds(300));

        Assert.Empty(again);
        Assert.True(File.Exists(Path.Combine(_input, "keep.txt")));
    }

    [Fact]
    public async Task TaskConfigs_TwoTasks_SplitFilesSoEachIsReadOnce()
    {
        for (var i = 0; i < 10; i++)
        {
            Drop($"f{i}.txt", $"{i}\n");
        }

        var connector = new SpoolDirSourceConnector();
        connector.Start(Config(("cleanup.policy", "none")));
        var configs = connector.TaskConfigs(2);
        await using var a = await SourceTaskDriver.StartAsync(new SpoolDirSourceTask(), configs[0]);
        await using var b = await SourceTaskDriver.StartAsync(new SpoolDirSourceTask(), configs[1]);

        var fromA = new List<SourceRecord>();
        var fromB = new List<SourceRecord>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (fromA.Count + fromB.Count < 10 && DateTime.UtcNow < deadline)
        {
            fromA.AddRange(await a.PollForAsync(TimeSpan.FromMilliseconds(100)));
            fromB.AddRange(await b.PollForAsync(TimeSpan.FromMilliseconds(100)));
        }

        fromA.AddRange(await a.PollForAsync(TimeSpan.FromMilliseconds(200)));
        fromB.AddRange(await b.PollForAsync(TimeSpan.FromMilliseconds(200)));

        Assert.Equal(Enumerable.Range(0, 10).Select(i => i.ToString()), fromA.Concat(fromB).Select(r => (string)r.Value!).Order());
        Assert.NotEmpty(fromA);
        Assert.NotEmpty(fromB);
    }

    [Theory]
    [InlineData("error.path", null, "error.path")]
    [InlineData("topic", null, "topic")]
    [InlineData("input.file.pattern", "([a-z", "input.file.pattern")]
    [InlineData("cleanup.policy", "archive", "cleanup.policy")]
    [InlineData("input.format", "xml", "input.format")]
    [InlineData("batch.size", "0", "batch.size")]
    [InlineData("finished.path", null, "finished.path")]
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

        var error = await Assert.ThrowsAsync<ConfigException>(() => new SpoolDirSourceTask().StartAsync(config));
        Assert.Contains($"'{named}'", error.Message);
        var validated = new SpoolDirSourceConnector().Validate(config);
        Assert.NotEmpty(validated.Single(v => v.Name == named).Errors);
    }

    [Fact]
    public async Task Start_MissingInputDirectory_FailsNamingIt()
    {
        var config = Config();
        config["input.path"] = Path.Combine(_dir.Path, "nope");

        var error = await Assert.ThrowsAsync<ConnectException>(() => new SpoolDirSourceTask().StartAsync(config));
        Assert.Contains("input.path", error.Message);
    }
}
