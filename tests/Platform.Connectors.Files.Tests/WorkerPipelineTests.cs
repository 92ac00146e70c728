using System.Text;
using Platform.Connectors.Testing;

namespace Platform.Connectors.Files.Tests;

/// <summary>The file connectors run by the real Connect worker against our real broker.</summary>
public sealed class WorkerPipelineTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task SpoolDirToFileSink_ThroughTheWorkerAndBroker_EveryLineExactlyOnceAndFilesFinished()
    {
        await using var worker = await ConnectWorkerFixture.StartAsync();
        var input = _dir.Sub("input");
        var output = Path.Combine(_dir.Path, "output");
        for (var f = 0; f < 3; f++)
        {
            File.WriteAllLines(Path.Combine(input, $"batch{f}.txt"), Enumerable.Range(0, 100).Select(i => $"f{f}-line{i}"));
        }

        await worker.CreateConnectorAsync("spool", new Dictionary<string, string>
        {
            ["connector.class"] = "SpoolDirSource",
            ["input.path"] = input,
            ["finished.path"] = _dir.Sub("finished"),
            ["error.path"] = _dir.Sub("error"),
            ["file.minimum.age.ms"] = "0",
            ["poll.interval.ms"] = "50",
            ["batch.size"] = "70",
            ["topic"] = "lines",
            ["value.converter"] = "string",
        });
        await worker.CreateConnectorAsync("files", new Dictionary<string, string>
        {
            ["connector.class"] = "FileSink",
            ["topics"] = "lines",
            ["path"] = output,
            ["file.format"] = "text",
            ["rotate.size.bytes"] = "4000",
            ["rotate.interval.ms"] = "200",
            ["value.converter"] = "string",
        });

        var expected = Enumerable.Range(0, 3).SelectMany(f => Enumerable.Range(0, 100).Select(i => $"f{f}-line{i}")).Order(StringComparer.Ordinal).ToList();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        List<string> written = [];
        while (DateTime.UtcNow < deadline)
        {
            written = Directory.Exists(output) ? Directory.GetFiles(output).SelectMany(File.ReadAllLines).ToList() : [];
            if (written.Count >= expected.Count)
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.Equal(expected, written.Order(StringComparer.Ordinal));
        Assert.Equal(300, worker.Consume("lines", 300).Count);
        Assert.Equal(3, Directory.GetFiles(Path.Combine(_dir.Path, "finished")).Length);
        Assert.Empty(Directory.GetFiles(input));
        var first = worker.Consume("lines", 1)[0].Message!;
        Assert.NotNull(first.Headers);
        Assert.Contains(first.Headers, h => h.Key == "file.name");
        Assert.StartsWith("f", Encoding.UTF8.GetString(first.Value!));
    }
}
