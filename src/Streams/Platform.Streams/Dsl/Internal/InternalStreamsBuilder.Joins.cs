using Platform.Streams.Processors;
using Platform.Streams.SerDes;

namespace Platform.Streams.Dsl.Internal;

// What joins add to the graph besides processors and stores.
internal sealed partial class InternalStreamsBuilder
{
    /// <summary>
    /// Requires the topics read by <paramref name="sourceNodes"/> to have the same partition count: recorded in the
    /// topology's co-partition groups, checked when the application starts, and used by the assignor to keep
    /// partition <c>n</c> of each topic in one task.
    /// </summary>
    public void CopartitionSources(IEnumerable<string> sourceNodes)
    {
        var sources = sourceNodes.ToArray();
        _nodes.Add(new GraphNode(string.Join(",", sources), topology => topology.CopartitionSources(sources)));
    }

    /// <summary>Adds a sink writing to <paramref name="topic"/> with several parents (the foreign-key join's response sink).</summary>
    public void AddSink<TKey, TValue>(string name, string topic, string[] parents, ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde, IStreamPartitioner<TKey, TValue>? partitioner)
        => AddNode(name, topology => topology.AddSink<TKey, TValue>(name, topic, keySerde, valueSerde, partitioner, parents));
}
