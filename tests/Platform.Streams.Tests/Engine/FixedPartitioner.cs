using Platform.Streams.Processors;

namespace Platform.Streams.Tests.Engine;

/// <summary>Sends every record to one partition (or lets the producer pick when null).</summary>
internal sealed class FixedPartitioner(int? partition) : IStreamPartitioner<string, string>
{
    public int? Partition(string topic, string key, string value, int partitionCount) => partition;
}
