using Platform.Examples.WordCount;
using Platform.Streams.SerDes;
using Platform.Streams.Testing;

namespace Platform.Streams.Tests.Examples;

/// <summary>The README's Streams section shows the real WordCount topology and a test-driver snippet that works.</summary>
public sealed class ReadmeTests
{
    private static string Readme()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Platform.sln")))
        {
            directory = directory.Parent;
        }

        return File.ReadAllText(Path.Combine(directory?.FullName ?? throw new InvalidOperationException("No Platform.sln above the tests"), "README.md")).ReplaceLineEndings("\n");
    }

    private static string Block(string readme, string opening, string containing)
    {
        var start = 0;
        while ((start = readme.IndexOf(opening + "\n", start, StringComparison.Ordinal)) >= 0)
        {
            var body = start + opening.Length + 1;
            var end = readme.IndexOf("```\n", body, StringComparison.Ordinal);
            var block = readme[body..end];
            if (block.Contains(containing, StringComparison.Ordinal))
            {
                return block;
            }

            start = end;
        }

        throw new InvalidOperationException($"README has no {opening} block containing '{containing}'");
    }

    [Fact]
    public void Readme_MermaidBlock_IsTheWordCountTopologysDiagram()
        => Assert.Equal(WordCountTopology.Build().ToMermaid().ReplaceLineEndings("\n").TrimEnd() + "\n", Block(Readme(), "```mermaid", "flowchart"));

    [Fact]
    public void Readme_DescribeBlock_IsTheWordCountTopologysDescription()
        => Assert.Equal(WordCountTopology.Build().Describe().ToString().ReplaceLineEndings("\n").TrimEnd() + "\n", Block(Readme(), "```text", "Sub-topology: 0"));

    [Fact]
    public void WordCountTopology_TestDriver_CountsEveryWordAsText()
    {
        using var driver = new TopologyTestDriver(WordCountTopology.Build());
        var lines = driver.CreateInputTopic("words-input", Serdes.String, Serdes.String);
        var counts = driver.CreateOutputTopic("word-counts", Serdes.String, Serdes.String);
        lines.PipeInput("k", "the quick the");
        Assert.Equal([("quick", "1"), ("the", "2")], counts.ReadKeyValuesToList().Select(kv => (kv.Key, kv.Value)).Order());
    }
}
