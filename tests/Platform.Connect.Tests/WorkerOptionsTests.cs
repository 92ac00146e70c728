using Platform.Connect.Runtime;

namespace Platform.Connect.Tests;

public sealed class WorkerOptionsTests
{
    [Fact]
    public void LoadProperties_KafkaWorkerFile_SetsOptionsAndClientOverrides()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(path,
            [
                "# connect-distributed.properties",
                "bootstrap.servers=10.0.0.1:9092",
                "group.id = etl",
                "! another comment",
                "offset.flush.interval.ms: 2500",
                "session.timeout.ms=6000",
                "listeners=http://127.0.0.1:18083/",
                "consumer.max.poll.records=50",
                "producer.linger.ms=5",
                "",
            ]);
            var options = new WorkerOptions();
            options.LoadProperties(path);

            Assert.Equal(("10.0.0.1:9092", "etl", "127.0.0.1:18083"), (options.BootstrapServers, options.GroupId, options.RestListen));
            Assert.Equal((TimeSpan.FromMilliseconds(2500), TimeSpan.FromSeconds(6)), (options.OffsetFlushInterval, options.SessionTimeout));
            Assert.Equal("50", options.ConsumerOverrides["max.poll.records"]);
            Assert.Equal("5", options.ProducerOverrides["linger.ms"]);
            options.Validate();
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("rest.port=8083", "rest.port: unknown worker property")]
    [InlineData("session.timeout.ms=soon", "session.timeout.ms: 'soon' is not a positive integer")]
    [InlineData("offset.storage.partitions=0", "offset.storage.partitions: '0' is not a positive integer")]
    [InlineData("just a line", "expected key=value")]
    public void LoadProperties_BadLine_ErrorNamesFileLineAndKey(string line, string problem)
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(path, ["group.id=etl", line]);
            var error = Assert.Throws<ArgumentException>(() => new WorkerOptions().LoadProperties(path));
            Assert.Contains($"{path}:2: ", error.Message);
            Assert.Contains(problem, error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
