using System.Text;
using Platform.Client.Producer;

namespace Platform.Client.Tests.Producer;

public sealed class Murmur2Tests
{
    /// <summary>Hashes from the Java client's UtilsTest.testMurmur2, checked against kafkajs's Java-compatible murmur2.</summary>
    [Theory]
    [InlineData("21", -973932308, 3)]
    [InlineData("foobar", -790332482, 0)]
    [InlineData("a-little-bit-long-string", -985981536, 1)]
    [InlineData("a-little-bit-longer-string", -1486304829, 0)]
    [InlineData("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971, 3)]
    [InlineData("abc", 479470107, 4)]
    [InlineData("", 275646681, 2)]
    [InlineData("k-1", 1029908798, 2)]
    [InlineData("key-42", -187086521, 3)]
    [InlineData("ünïcödé", 201421315, 4)]
    public void Hash_KnownKeys_MatchesJavaClient(string key, int hash, int partitionOf7)
    {
        var bytes = Encoding.UTF8.GetBytes(key);

        Assert.Equal(hash, Murmur2.Hash(bytes));
        Assert.Equal(partitionOf7, Murmur2.Partition(bytes, 7));
    }

    [Fact]
    public async Task Partition_ThousandKeys_SameAsKafkaJs()
    {
        var interop = Path.Combine(ExternalProcess.RepositoryRoot, "tests", "interop");
        Assert.True(File.Exists(Path.Combine(interop, "node_modules", "kafkajs", "src", "producer", "partitioners", "default", "murmur2.js")), "kafkajs is not installed: run npm ci in tests/interop.");
        const string script = "const m=require('kafkajs/src/producer/partitioners/default/murmur2');"
            + "const out=[];for(let i=0;i<1000;i++){const k='key-'+i+'-'+'x'.repeat(i%13);out.push((m(Buffer.from(k))&0x7fffffff)%12)}console.log(out.join(','))";

        var result = await ExternalProcess.RunAsync("node", ["-e", script], workingDirectory: interop);

        Assert.Equal(0, result.ExitCode);
        var expected = result.StdOut.Trim().Split(',').Select(int.Parse).ToArray();
        var actual = Enumerable.Range(0, 1000).Select(i => Murmur2.Partition(Encoding.UTF8.GetBytes($"key-{i}-{new string('x', i % 13)}"), 12)).ToArray();
        Assert.Equal(expected, actual);
    }
}
